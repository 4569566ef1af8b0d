#!/usr/bin/env bash
# For a local compose stack: creates what docker-compose.yml needs and is missing, each with a random
# value, and keeps what exists.
#  - deploy/alertmanager/secrets/<name> for every file alertmanager.yml names under
#    /etc/alertmanager/secrets/ (mounted there), so its webhooks reach the stand-in receiver;
#  - deploy/.env with the passwords compose reads: GRAFANA_ADMIN_PASSWORD, INFLUXDB_ADMIN_PASSWORD,
#    INFLUXDB_MONITOR_PASSWORD (the monitor writes with it), INFLUXDB_GRAFANA_PASSWORD (Grafana reads).
# In production, mount the real secrets and set the variables from your secret store instead.
#   bash deploy/alertmanager/dev-secrets.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
secrets="$here/secrets"
mkdir -p "$secrets"
names="$(grep -o '/etc/alertmanager/secrets/[A-Za-z0-9._-]*' "$here/alertmanager.yml" | sed 's|.*/||' | sort -u)"
for name in $names; do
  if [[ -e "$secrets/$name" ]]; then
    echo "kept    $secrets/$name"
  else
    # 0644: Alertmanager's container runs as nobody, not as the user who runs this script.
    (umask 022; head -c 24 /dev/urandom | base64 | tr -d '\n' > "$secrets/$name")
    echo "created $secrets/$name"
  fi
done

env="$(dirname "$here")/.env"
touch "$env"
chmod 600 "$env"
for variable in GRAFANA_ADMIN_PASSWORD INFLUXDB_ADMIN_PASSWORD INFLUXDB_MONITOR_PASSWORD INFLUXDB_GRAFANA_PASSWORD; do
  if grep -q "^$variable=" "$env"; then
    echo "kept    $variable in $env"
  else
    # Letters and digits only: the value goes through YAML, shells and InfluxQL quoting unharmed.
    echo "$variable=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)" >> "$env"
    echo "created $variable in $env"
  fi
done

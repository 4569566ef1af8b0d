#!/usr/bin/env bash
# Creates every secret file that alertmanager.yml names under /etc/alertmanager/secrets/ and that is
# missing from deploy/alertmanager/secrets/ (mounted there by docker-compose.yml), each holding a
# random value, so a local compose stack starts and its webhooks reach the stand-in receiver.
# For a local stack only: in production, mount the real secrets instead. Existing files are kept.
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

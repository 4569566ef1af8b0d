namespace Monitor.Core.Alerts;

/// <summary>
/// Holds alert notifications while partitions are re-read to rebuild state after a restart or an
/// assignment (DESIGN §2, §5), so a restart neither re-pages nor loses a resolve: during the
/// rebuild only the latest change of each instance is kept; once every partition reached its
/// committed offset and the final view has judged the newest re-read event, the held state goes
/// out at once (firing instances, which Alertmanager de-duplicates by labels, and resolves that
/// happened meanwhile). Outside a rebuild changes pass straight through.
/// </summary>
public sealed class AlertRestoreGate(Action<AlertChange> deliver)
{
    private readonly HashSet<int> _rebuilding = [];
    private readonly Dictionary<string, AlertChange> _held = new(StringComparer.Ordinal);
    private long _releaseAfterMs = long.MinValue;
    private bool _holding;

    /// <summary>Changes held now.</summary>
    public int Held => _held.Count;

    /// <summary>A source (a partition) starts re-reading its look-back: changes are held from now until the rebuild is complete.</summary>
    public void Rebuilding(int source)
    {
        _rebuilding.Add(source);
        _holding = true;
    }

    /// <summary>
    /// A source finished its re-read (or went away); <paramref name="newestEventMs"/> is the newest
    /// event time seen so far, which the final view must pass before the held state goes out.
    /// </summary>
    public void Rebuilt(int source, long newestEventMs)
    {
        if (_rebuilding.Remove(source))
        {
            _releaseAfterMs = Math.Max(_releaseAfterMs, newestEventMs);
        }
    }

    /// <summary>A change to notify: delivered at once outside a rebuild, else held as its instance's latest.</summary>
    public void Publish(AlertChange change)
    {
        if (_holding)
        {
            _held[change.InstanceKey] = change;
        }
        else
        {
            deliver(change);
        }
    }

    /// <summary>The final view judged up to <paramref name="watermarkMs"/>: release the held state when the rebuild is complete.</summary>
    public void OnFinalWatermark(long watermarkMs)
    {
        if (!_holding || _rebuilding.Count > 0 || watermarkMs <= _releaseAfterMs)
        {
            return;
        }

        _holding = false;
        var held = _held.Values.ToList();
        _held.Clear();
        foreach (var change in held)
        {
            deliver(change);
        }
    }
}

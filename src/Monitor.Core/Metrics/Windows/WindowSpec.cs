using System.Runtime.CompilerServices;

namespace Monitor.Core.Metrics.Windows;

/// <summary>
/// The time grid of one window: boundaries every step (UTC-aligned), windows [b − W, b), and
/// buckets of gcd(step, W) so that every window is a whole number of buckets.
/// </summary>
internal sealed class WindowSpec
{
    public WindowSpec(TimeSpan step, TimeSpan window)
    {
        StepMs = (long)step.TotalMilliseconds;
        WindowMs = (long)window.TotalMilliseconds;
        BucketMs = Gcd(StepMs, WindowMs);
    }

    public long StepMs { get; }

    public long WindowMs { get; }

    public long BucketMs { get; }

    public long BucketOf(long ms) => FloorDiv(ms, BucketMs);

    /// <summary>Start of the bucket with index <paramref name="bucket"/>.</summary>
    public long StartOf(long bucket) => bucket * BucketMs;

    public static long FloorDiv(long value, long divisor)
    {
        var q = value / divisor;
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? q - 1 : q;
    }

    private static long Gcd(long a, long b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return Math.Max(a, 1);
    }
}

/// <summary>Four counters of one bucket (the lanes a window counter keeps side by side).</summary>
[InlineArray(4)]
internal struct Lanes
{
    private long _element;
}

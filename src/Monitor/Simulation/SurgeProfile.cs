namespace Monitor.Simulation;

/// <summary>
/// The Double-11 evening surge: full strength 22:30–01:30 China Standard Time (UTC+8), rising along
/// a smoothstep over 21:30–22:30 and falling over 01:30–02:30, so it is at half strength at 22:00
/// and 02:00. Outside that, normal load.
/// </summary>
public static class SurgeProfile
{
    private const long MsPerHour = 3_600_000;
    private const long MsPerDay = 24 * MsPerHour;
    private const long ChinaOffsetMs = 8 * MsPerHour;

    /// <summary>Surge strength 0..1 at an event time in Unix milliseconds.</summary>
    public static double Level(long epochMs)
    {
        var hour = (double)Mod(epochMs + ChinaOffsetMs, MsPerDay) / MsPerHour;
        return hour switch
        {
            < 1.5 => 1,
            < 2.5 => SmoothStep(2.5 - hour),
            < 21.5 => 0,
            < 22.5 => SmoothStep(hour - 21.5),
            _ => 1,
        };
    }

    /// <summary>Arrival multiplier at an event time: 1 at normal load, <paramref name="surgeFactor"/> at full surge.</summary>
    public static double Multiplier(long epochMs, double surgeFactor) => 1 + ((surgeFactor - 1) * Level(epochMs));

    private static double SmoothStep(double x) => x * x * (3 - (2 * x));

    private static long Mod(long value, long modulus)
    {
        var r = value % modulus;
        return r < 0 ? r + modulus : r;
    }
}

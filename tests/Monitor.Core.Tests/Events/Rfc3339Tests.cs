using System.Globalization;
using System.Text;
using FsCheck.Xunit;
using Monitor.Core.Events;

namespace Monitor.Core.Tests.Events;

public sealed class Rfc3339Tests
{
    [Property(MaxTest = 500)]
    public bool AnyInstantAndOffset_ParsesToTheSameInstantAsDateTimeOffset(int secondsSeed, short offsetSeed, ushort fraction)
    {
        // Instants across 2000..2099 with offsets on the quarter hour up to ±14 h.
        var instant = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds((uint)secondsSeed % (100L * 365 * 86400)).AddMilliseconds(fraction % 1000);
        var offset = TimeSpan.FromMinutes((offsetSeed % 57) * 15);
        var text = instant.ToOffset(offset).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
        return Rfc3339.TryParse(Encoding.UTF8.GetBytes(text), out var ms) && ms == instant.ToUnixTimeMilliseconds();
    }

    [Theory]
    [InlineData("2026-11-11T22:00:05Z", 1794434405000)]
    [InlineData("2026-11-11t22:00:05z", 1794434405000)]
    [InlineData("2026-11-12T06:00:05+08:00", 1794434405000)]
    [InlineData("2026-11-11T22:00:05.5Z", 1794434405500)]
    [InlineData("2026-11-11T22:00:05.123456789Z", 1794434405123)]
    [InlineData("2024-02-29T00:00:00Z", 1709164800000)]
    public void Valid_ParsesToEpochMilliseconds(string text, long expected)
    {
        Assert.True(Rfc3339.TryParse(Encoding.UTF8.GetBytes(text), out var ms));
        Assert.Equal(expected, ms);
    }

    [Theory]
    [InlineData("2026-11-11T22:00:05")]
    [InlineData("2026-11-11T22:00:05.Z")]
    [InlineData("2026-11-11T23:59:60Z")]
    [InlineData("2025-02-29T00:00:00Z")]
    [InlineData("2026-13-01T00:00:00Z")]
    [InlineData("2026-11-11 22:00:05Z")]
    [InlineData("2026-11-11T22:00:05+0800")]
    [InlineData("2026-11-11T22:00:05+24:00")]
    [InlineData("2026-11-11T22:00:05Zjunk")]
    [InlineData("２０２６-11-11T22:00:05Z")]
    public void Invalid_IsRejected(string text) =>
        Assert.False(Rfc3339.TryParse(Encoding.UTF8.GetBytes(text), out _));
}

using Monitor.Simulation;

namespace Monitor.Tests.Simulation;

public sealed class SurgeProfileTests
{
    private static long China(int hour, int minute) =>
        new DateTimeOffset(2025, 11, hour < 12 ? 11 : 10, hour, minute, 0, TimeSpan.FromHours(8)).ToUnixTimeMilliseconds();

    [Theory]
    [InlineData(10, 0, 0)]
    [InlineData(21, 29, 0)]
    [InlineData(22, 0, 0.5)]
    [InlineData(23, 0, 1)]
    [InlineData(0, 0, 1)]
    [InlineData(2, 0, 0.5)]
    [InlineData(2, 31, 0)]
    public void Level_FollowsTheEveningSurgeInChinaTime(int hour, int minute, double expected) =>
        Assert.Equal(expected, SurgeProfile.Level(China(hour, minute)), 3);

    [Fact]
    public void Level_RampsSmoothlyAndMonotonically()
    {
        var previous = 0.0;
        for (var t = China(21, 30); t <= China(22, 30); t += 60_000)
        {
            var level = SurgeProfile.Level(t);
            Assert.InRange(level - previous, 0, 0.03);
            previous = level;
        }

        Assert.Equal(1, previous, 6);
    }

    [Fact]
    public void Multiplier_IsTheSurgeFactorAtFullSurgeAndOneOutside()
    {
        Assert.Equal(4, SurgeProfile.Multiplier(China(23, 30), 4), 6);
        Assert.Equal(1, SurgeProfile.Multiplier(China(9, 0), 4), 6);
    }
}

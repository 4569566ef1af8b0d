using Monitor.Core.Metrics.Windows;

namespace Monitor.Core.Tests.Windows;

/// <summary>
/// The incremental window structures against brute force: random adds and undos, interleaved with
/// boundaries that move forward, every read checked against a recount of what was applied.
/// </summary>
public sealed class WindowStructureTests
{
    private const long Step = 10_000;
    private const long Window = 60_000;
    private static readonly WindowSpec Spec = new(TimeSpan.FromMilliseconds(Step), TimeSpan.FromMilliseconds(Window));

    [Fact]
    public void SortedMultiset_AgreesWithASortedList_UnderRandomAddsAndRemoves()
    {
        var random = new Random(7);
        var set = new SortedMultiset();
        var brute = new List<long>();
        for (var op = 0; op < 20_000; op++)
        {
            if (brute.Count > 0 && random.Next(3) == 0)
            {
                var value = brute[random.Next(brute.Count)];
                Assert.True(set.Remove(value));
                brute.Remove(value);
            }
            else
            {
                // Few distinct values at times (ties), wide ranges at others (splits across chunks).
                var value = op % 1000 < 500 ? random.Next(20) : random.NextInt64(-1_000_000, 10_000_000);
                set.Add(value);
                brute.Add(value);
            }

            Assert.False(set.Remove(long.MinValue));
            if (op % 97 != 0 || brute.Count == 0)
            {
                continue;
            }

            brute.Sort();
            Assert.Equal(brute.Count, set.Count);
            Assert.Equal(brute[0], set.Min);
            Assert.Equal(brute[^1], set.Max);
            for (var check = 0; check < 20; check++)
            {
                var rank = random.Next(1, brute.Count + 1);
                Assert.Equal(brute[rank - 1], set.AtRank(rank));
                var probe = brute[random.Next(brute.Count)] + random.Next(-1, 2);
                Assert.Equal(brute.Count(v => v <= probe), set.CountAtMost(probe));
            }
        }
    }

    [Fact]
    public void WindowCounter_AtBoundariesAndNow_EqualsARecountOfItsWindow()
    {
        for (var seed = 0; seed < 40; seed++)
        {
            var random = new Random(seed);
            var counter = new WindowCounter(Spec);
            var applied = new List<(long T, int Lane, long Delta)>();
            var boundary = 100 * Step;
            for (var round = 0; round < 200; round++)
            {
                // Events from a little before the next boundary's window to a few steps ahead of it.
                for (var i = random.Next(0, 6); i > 0; i--)
                {
                    var t = boundary - Step + random.NextInt64(0, 5 * Step);
                    var lane = random.Next(4);
                    counter.Add(t, lane, 1);
                    applied.Add((t, lane, 1));
                }

                // Undo one event still ahead of the boundary (a re-ordered item re-deriving).
                var ahead = applied.Where(a => a.T >= boundary && a.Delta > 0).ToList();
                if (ahead.Count > 0 && random.Next(3) == 0)
                {
                    var undo = ahead[random.Next(ahead.Count)];
                    counter.Add(undo.T, undo.Lane, -1);
                    applied.Add((undo.T, undo.Lane, -1));
                }

                var now = boundary + random.NextInt64(0, 3 * Step);
                var nowEnd = View.Now(now, Step).WindowEndMs;
                for (var lane = 0; lane < 4; lane++)
                {
                    Assert.Equal(Recount(applied, lane, nowEnd - Window, nowEnd), counter.Now(nowEnd, lane));
                }

                if (random.Next(4) != 0)
                {
                    boundary += Step * random.Next(1, 3);
                    for (var lane = 0; lane < 4; lane++)
                    {
                        Assert.Equal(Recount(applied, lane, boundary - Window, boundary), counter.At(boundary, lane));
                    }
                }
            }
        }
    }

    [Fact]
    public void WindowSamples_PercentilesSumsAndLimitCounts_EqualABruteForceSort_AtBoundariesAndNow()
    {
        for (var seed = 0; seed < 30; seed++)
        {
            var random = new Random(seed);
            const long limit = 500;
            var samples = new WindowSamples(Spec, limit);
            var view = new SampleView();
            var applied = new List<(long T, long V)>();
            var boundary = 100 * Step;
            for (var round = 0; round < 150; round++)
            {
                for (var i = random.Next(0, 8); i > 0; i--)
                {
                    var t = boundary - Step + random.NextInt64(0, 5 * Step);
                    var v = random.Next(3) == 0 ? random.Next(10) * 100 : random.NextInt64(0, 100_000);
                    samples.Add(t, v);
                    applied.Add((t, v));
                }

                var ahead = applied.Where(a => a.T >= boundary).ToList();
                if (ahead.Count > 0 && random.Next(3) == 0)
                {
                    var undo = ahead[random.Next(ahead.Count)];
                    samples.Remove(undo.T, undo.V);
                    applied.Remove(undo);
                }

                var now = boundary + random.NextInt64(0, 3 * Step);
                var nowEnd = View.Now(now, Step).WindowEndMs;
                AssertSame(applied, nowEnd, limit, samples.Read(new View(now, nowEnd, Final: false), view));

                if (random.Next(4) != 0)
                {
                    boundary += Step * random.Next(1, 3);
                    AssertSame(applied, boundary, limit, samples.Read(View.At(boundary), view));
                }
            }
        }
    }

    [Fact]
    public void AsOfIntervals_CountOldestAndItems_AreThoseWaitingAtB_AndOpenNow()
    {
        for (var seed = 0; seed < 40; seed++)
        {
            var random = new Random(seed);
            var intervals = new AsOfIntervals(Step);
            var open = new Dictionary<string, long>();
            var all = new List<(string Id, long Start, long End)>();
            var boundary = 100 * Step;
            var next = 0;
            for (var round = 0; round < 200; round++)
            {
                for (var i = random.Next(0, 4); i > 0; i--)
                {
                    var t = boundary + random.NextInt64(0, 4 * Step);
                    if (open.Count > 0 && random.Next(2) == 0)
                    {
                        var (id, start) = open.ElementAt(random.Next(open.Count));
                        var end = Math.Max(start, t);
                        intervals.Close(start, id, end);
                        open.Remove(id);
                        all.Add((id, start, end));
                        if (random.Next(4) == 0)
                        {
                            // Undone again: the item re-derives and the close comes later or not at all.
                            intervals.UndoClose(start, id, end);
                            all.Remove((id, start, end));
                            open[id] = start;
                        }
                    }
                    else
                    {
                        var id = $"i{next++}";
                        intervals.Open(t, id);
                        open[id] = t;
                    }
                }

                var waitingNow = open.OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value)).ToList();
                Assert.Equal(waitingNow.Count, intervals.OpenCount);
                Assert.Equal(waitingNow, All(intervals.OpenItems()).Select(i => (i.Id, i.SinceMs)));

                if (random.Next(3) != 0)
                {
                    boundary += Step;
                    var expected = all.Where(a => a.Start < boundary && boundary <= a.End).Select(a => (Id: a.Id, Start: a.Start))
                        .Concat(open.Where(p => p.Value < boundary).Select(p => (Id: p.Key, Start: p.Value)))
                        .OrderBy(x => x.Start).ThenBy(x => x.Id, StringComparer.Ordinal).ToList();
                    Assert.Equal(expected.Count, intervals.CountAt(boundary));
                    Assert.Equal(expected.Count > 0 ? expected[0].Start : long.MinValue, intervals.OldestAt(boundary));
                    Assert.Equal(expected, All(intervals.ItemsAt(boundary)).Select(i => (i.Id, i.SinceMs)));
                }
            }
        }
    }

    [Fact]
    public void Activity_LastBefore_IsTheNewestTouchBeforeB_WithUndoneTouchesForgotten()
    {
        for (var seed = 0; seed < 40; seed++)
        {
            var random = new Random(seed);
            var activity = new Activity();
            var touches = new List<long>();
            var boundary = 100 * Step;
            for (var round = 0; round < 200; round++)
            {
                for (var i = random.Next(0, 4); i > 0; i--)
                {
                    var t = boundary + random.NextInt64(-Step, 4 * Step);
                    activity.Touch(t);
                    touches.Add(t);
                }

                var ahead = touches.Where(t => t >= boundary).ToList();
                if (ahead.Count > 0 && random.Next(3) == 0)
                {
                    var undo = ahead[random.Next(ahead.Count)];
                    activity.Untouch(undo);
                    touches.Remove(undo);
                }

                Assert.Equal(touches.Count == 0 ? long.MinValue : touches.Max(), activity.Latest);
                boundary += Step;
                var before = touches.Where(t => t < boundary).ToList();
                Assert.Equal(before.Count == 0 ? long.MinValue : before.Max(), activity.LastBefore(boundary));
            }
        }
    }

    private static List<Monitor.Core.Metrics.OpenItem> All(Monitor.Core.Metrics.OpenItemCursor cursor)
    {
        var items = new List<Monitor.Core.Metrics.OpenItem>();
        while (cursor.Next(out var item))
        {
            items.Add(item);
        }

        return items;
    }

    private static long Recount(List<(long T, int Lane, long Delta)> applied, int lane, long from, long to) =>
        applied.Where(a => a.Lane == lane && a.T >= from && a.T < to).Sum(a => a.Delta);

    private static void AssertSame(List<(long T, long V)> applied, long end, long limit, ISampleRead read)
    {
        var window = applied.Where(a => a.T >= end - Window && a.T < end).Select(a => a.V).Order().ToList();
        Assert.Equal(window.Count, read.Count);
        Assert.Equal(window.Sum(), read.Sum);
        Assert.Equal(window.Count(v => v <= limit), read.Within);
        if (window.Count == 0)
        {
            return;
        }

        Assert.Equal(window[^1], read.Max);
        foreach (var percent in new[] { 1, 50, 90, 99, 100 })
        {
            var rank = ((percent * window.Count) + 99) / 100;
            Assert.Equal(window[rank - 1], read.Percentile(percent));
        }
    }
}

using System.Globalization;
using System.Text;
using FsCheck.Xunit;
using Monitor.Core.Points;
using Monitor.Influx;
using Monitor.Output;

namespace Monitor.Tests.Influx;

public sealed class LineProtocolTests
{
    private static MetricPoint Point(
        string measurement = "m",
        (string Key, string Value)[]? tags = null,
        MetricField[]? fields = null,
        long timestampMs = 1_700_000_000_000) =>
        new(
            measurement,
            (tags ?? [("shop", "s1")]).Select(t => KeyValuePair.Create(t.Key, t.Value)).ToArray(),
            fields ?? [MetricField.Int("count", 1)],
            timestampMs);

    [Fact]
    public void Format_WritesMeasurementTagsFieldsAndMillisecondTimestamp()
    {
        var point = Point(
            "response_time",
            [("channel", "chat"), ("kind", "first"), ("shop", "s1")],
            [MetricField.Int("count", 3), MetricField.Float("p50", 1.5), MetricField.Float("within_sla_ratio", 0.25)],
            1_700_000_000_123);

        Assert.Equal(
            "response_time,channel=chat,kind=first,shop=s1 count=3i,p50=1.5,within_sla_ratio=0.25 1700000000123",
            LineProtocol.Format(point));
    }

    [Fact]
    public void Format_KeepsTagOrderAsGiven()
    {
        var point = Point(tags: [("b", "2"), ("a", "1")]);

        Assert.StartsWith("m,b=2,a=1 ", LineProtocol.Format(point));
    }

    [Theory]
    [InlineData("a,b", @"a\,b")]
    [InlineData("a b", @"a\ b")]
    [InlineData("a=b", "a=b")]
    [InlineData("a\"b", "a\"b")]
    public void Measurement_EscapesCommaAndSpaceOnly(string measurement, string expected)
    {
        var line = LineProtocol.Format(Point(measurement, tags: []));

        Assert.Equal(expected + " count=1i 1700000000000", line);
    }

    [Theory]
    [InlineData("a,b", @"a\,b")]
    [InlineData("a=b", @"a\=b")]
    [InlineData("a b", @"a\ b")]
    [InlineData("a, =b", @"a\,\ \=b")]
    [InlineData("旗舰店", "旗舰店")]
    [InlineData("旗舰店 官方,店=1", @"旗舰店\ 官方\,店\=1")]
    [InlineData("shop😀", "shop😀")]
    [InlineData("a\"b'c", "a\"b'c")]
    public void TagValue_EscapesCommaEqualsAndSpace(string value, string expected)
    {
        var line = LineProtocol.Format(Point(tags: [("shop", value)]));

        Assert.Equal($"m,shop={expected} count=1i 1700000000000", line);
    }

    [Theory]
    [InlineData("sh op", @"sh\ op")]
    [InlineData("sh,op", @"sh\,op")]
    [InlineData("sh=op", @"sh\=op")]
    public void TagKey_EscapesCommaEqualsAndSpace(string key, string expected)
    {
        var line = LineProtocol.Format(Point(tags: [(key, "v")]));

        Assert.Equal($"m,{expected}=v count=1i 1700000000000", line);
    }

    [Theory]
    [InlineData("my field", @"my\ field")]
    [InlineData("my,field", @"my\,field")]
    [InlineData("my=field", @"my\=field")]
    public void FieldKey_EscapesCommaEqualsAndSpace(string key, string expected)
    {
        var line = LineProtocol.Format(Point(tags: [], fields: [MetricField.Float(key, 2.5)]));

        Assert.Equal($"m {expected}=2.5 1700000000000", line);
    }

    [Theory]
    [InlineData(@"a\b", @"a\b")] // a lone backslash needs no escape: the parser only unescapes \, \= and \space
    [InlineData(@"a\,b", @"a\\,b")] // backslash before a special character: the parser reads \, and keeps the first backslash
    [InlineData(@"a\ b", @"a\\ b")]
    [InlineData(@"ab\", "ab")] // a trailing backslash would escape the separator after it
    [InlineData(@"ab\\", "ab")]
    public void TagValue_BackslashesRoundTripThroughInfluxParser(string value, string expected)
    {
        var line = LineProtocol.Format(Point(tags: [("shop", value)]));

        Assert.Equal($"m,shop={expected} count=1i 1700000000000", line);
    }

    [Theory]
    [InlineData("line1\nline2")]
    [InlineData("line1\rline2")]
    public void TagValue_NewlinesBecomeEscapedSpaces(string value)
    {
        var line = LineProtocol.Format(Point(tags: [("shop", value)]));

        Assert.Equal(@"m,shop=line1\ line2 count=1i 1700000000000", line);
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain('\r', line);
    }

    [Fact]
    public void TagValue_CrLfBecomesTwoSpaces()
    {
        var line = LineProtocol.Format(Point(tags: [("shop", "a\r\nb")]));

        Assert.Equal(@"m,shop=a\ \ b count=1i 1700000000000", line);
    }

    [Theory]
    [InlineData("")]
    [InlineData(@"\")]
    public void Tag_WithEmptyValueIsOmitted(string value)
    {
        var line = LineProtocol.Format(Point(tags: [("channel", "chat"), ("queue", value), ("shop", "s1")]));

        Assert.Equal("m,channel=chat,shop=s1 count=1i 1700000000000", line);
    }

    [Theory]
    [InlineData(0L, "0i")]
    [InlineData(42L, "42i")]
    [InlineData(-7L, "-7i")]
    [InlineData(9_007_199_254_740_992L, "9007199254740992i")]
    public void IntegerField_HasISuffix(long value, string expected)
    {
        var line = LineProtocol.Format(Point(tags: [], fields: [MetricField.Int("n", value)]));

        Assert.Equal($"m n={expected} 1700000000000", line);
    }

    [Theory]
    [InlineData(3.0, "3")]
    [InlineData(-0.0, "-0")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e20, "1E+20")]
    [InlineData(1.5e-7, "1.5E-07")]
    [InlineData(123456.789, "123456.789")]
    public void FloatField_UsesInvariantShortestRoundTripWithoutISuffix(double value, string expected)
    {
        var previous = CultureInfo.CurrentCulture;
        var commaDecimal = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        commaDecimal.NumberFormat.NumberDecimalSeparator = ","; // would write 0,1 if the current culture leaked in
        CultureInfo.CurrentCulture = commaDecimal;
        try
        {
            var line = LineProtocol.Format(Point(tags: [], fields: [MetricField.Float("v", value)]));

            Assert.Equal($"m v={expected} 1700000000000", line);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Property]
    public void FloatField_TextParsesBackToTheSameDouble(double value)
    {
        if (!double.IsFinite(value))
        {
            return;
        }

        var line = LineProtocol.Format(Point(tags: [], fields: [MetricField.Float("v", value)]));
        var text = line["m v=".Length..line.LastIndexOf(' ')];

        Assert.False(text.EndsWith('i'));
        Assert.Equal(value, double.Parse(text, CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void NonFiniteField_IsSkipped(double value)
    {
        var point = Point(tags: [], fields: [MetricField.Float("p50", value), MetricField.Int("count", 2), MetricField.Float("p99", value)]);

        Assert.Equal("m count=2i 1700000000000", LineProtocol.Format(point));
    }

    [Fact]
    public void NonFiniteFirstField_DoesNotLeaveALeadingComma()
    {
        var point = Point(tags: [], fields: [MetricField.Float("p50", double.NaN), MetricField.Float("mean", 1.25)]);

        Assert.Equal("m mean=1.25 1700000000000", LineProtocol.Format(point));
    }

    [Fact]
    public void Append_PointWithNoFiniteField_ReturnsFalseAndLeavesBuilderUnchanged()
    {
        var sb = new StringBuilder("before\n");
        var point = Point(fields: [MetricField.Float("p50", double.NaN), MetricField.Float("p90", double.PositiveInfinity)]);

        Assert.False(LineProtocol.Append(sb, point));
        Assert.Equal("before\n", sb.ToString());
        Assert.Equal(string.Empty, LineProtocol.Format(point));
    }

    [Fact]
    public void Append_PointWithNoFields_ReturnsFalse()
    {
        var sb = new StringBuilder();

        Assert.False(LineProtocol.Append(sb, Point(fields: [])));
        Assert.Equal(0, sb.Length);
    }

    [Fact]
    public void Append_AddsTheLineAndANewline()
    {
        var sb = new StringBuilder();

        Assert.True(LineProtocol.Append(sb, Point(timestampMs: 1)));
        Assert.True(LineProtocol.Append(sb, Point(timestampMs: 2)));

        Assert.Equal("m,shop=s1 count=1i 1\nm,shop=s1 count=1i 2\n", sb.ToString());
    }

    [Fact]
    public void Format_HasNoTrailingNewline()
    {
        Assert.False(LineProtocol.Format(Point()).EndsWith('\n'));
    }

    [Fact]
    public async Task FileSink_WritesUtf8LinesInTheOrderGivenWithoutBom()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"lp-{Guid.NewGuid():N}.txt");
        try
        {
            await using (var sink = new LineProtocolFileSink(path))
            {
                await sink.WriteAsync([Point(timestampMs: 3, tags: [("shop", "旗舰店")]), Point(timestampMs: 1)]);
                await sink.WriteAsync([Point(fields: [MetricField.Float("v", double.NaN)]), Point(timestampMs: 2)]);
                await sink.FlushAsync();
            }

            var bytes = await File.ReadAllBytesAsync(path);
            Assert.NotEqual(0xEF, bytes[0]);
            Assert.Equal(
                "m,shop=旗舰店 count=1i 3\nm,shop=s1 count=1i 1\nm,shop=s1 count=1i 2\n",
                Encoding.UTF8.GetString(bytes));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task FileSink_TruncatesUnlessAskedToAppend()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"lp-{Guid.NewGuid():N}.txt");
        try
        {
            await File.WriteAllTextAsync(path, "old\n");
            await using (var sink = new LineProtocolFileSink(path))
            {
                await sink.WriteAsync([Point(timestampMs: 1)]);
            }

            await using (var sink = new LineProtocolFileSink(path, append: true))
            {
                await sink.WriteAsync([Point(timestampMs: 2)]);
            }

            Assert.Equal("m,shop=s1 count=1i 1\nm,shop=s1 count=1i 2\n", await File.ReadAllTextAsync(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

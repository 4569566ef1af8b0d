namespace Monitor.Core.Events;

/// <summary>
/// RFC 3339 date-times straight from UTF-8 bytes, without allocating: yyyy-MM-ddTHH:mm:ss, an
/// optional fraction of any length (truncated to milliseconds), then Z or ±hh:mm. 'T' and 'Z' may
/// be lower case. Anything else, including a leap second and a time without offset, is rejected.
/// </summary>
internal static class Rfc3339
{
    public static bool TryParse(ReadOnlySpan<byte> s, out long milliseconds)
    {
        milliseconds = 0;
        if (s.Length < 20
            || !Digits(s, 0, 4, out var year) || s[4] != '-' || !Digits(s, 5, 2, out var month) || s[7] != '-'
            || !Digits(s, 8, 2, out var day) || (s[10] | 0x20) != 't'
            || !Digits(s, 11, 2, out var hour) || s[13] != ':' || !Digits(s, 14, 2, out var minute) || s[16] != ':'
            || !Digits(s, 17, 2, out var second))
        {
            return false;
        }

        var i = 19;
        var fractionMs = 0;
        if (s[i] == '.')
        {
            var start = ++i;
            while (i < s.Length && char.IsAsciiDigit((char)s[i]))
            {
                if (i - start < 3)
                {
                    fractionMs = (fractionMs * 10) + (s[i] - '0');
                }

                i++;
            }

            var digits = i - start;
            if (digits == 0)
            {
                return false;
            }

            for (var scale = digits; scale < 3; scale++)
            {
                fractionMs *= 10;
            }
        }

        if (i >= s.Length)
        {
            return false;
        }

        int offsetMinutes;
        if ((s[i] | 0x20) == 'z' && i == s.Length - 1)
        {
            offsetMinutes = 0;
        }
        else if ((s[i] == '+' || s[i] == '-') && i == s.Length - 6 && s[i + 3] == ':'
                 && Digits(s, i + 1, 2, out var offsetHours) && Digits(s, i + 4, 2, out var offsetMins)
                 && offsetHours <= 23 && offsetMins <= 59)
        {
            offsetMinutes = ((offsetHours * 60) + offsetMins) * (s[i] == '-' ? -1 : 1);
        }
        else
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var days = new DateTime(year, month, day).Ticks / TimeSpan.TicksPerDay - 719_162; // days since 1970-01-01
        milliseconds = (((((days * 24) + hour) * 60 + minute) * 60 + second) * 1000) + fractionMs - (offsetMinutes * 60_000L);
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> s, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var digit = s[i] - '0';
            if ((uint)digit > 9)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        return true;
    }
}

namespace Monitor.Core.Metrics.Windows;

/// <summary>
/// Arrays that window state holds for a while (a bucket's values for the length of a window, a
/// multiset's chunks) and gives back: kept for reuse per thread (the engine is single-threaded),
/// by power-of-two length, so a window that keeps its size allocates nothing. The shared
/// ArrayPool suits arrays rented and returned at once; thousands held at the same time overflow
/// it and turn into garbage.
/// </summary>
internal static class PooledArrays<T>
{
    private const int Classes = 12; // lengths 4 .. 8192
    private const int KeepPerClass = 65_536;

    [ThreadStatic]
    private static Stack<T[]>[]? _free;

    public static T[] Rent(int minimumLength)
    {
        var cls = ClassOf(minimumLength);
        if (cls >= Classes)
        {
            return new T[minimumLength];
        }

        if (_free?[cls] is { Count: > 0 } stack)
        {
            return stack.Pop();
        }

        return new T[4 << cls];
    }

    /// <summary>Takes an array back; its contents are cleared when they hold references.</summary>
    public static void Return(T[] array)
    {
        var cls = ClassOf(array.Length);
        if (cls >= Classes || (4 << cls) != array.Length)
        {
            return;
        }

        if (System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            Array.Clear(array);
        }

        _free ??= CreateStacks();
        if (_free[cls].Count < KeepPerClass)
        {
            _free[cls].Push(array);
        }
    }

    /// <summary>An array of twice the length with the first <paramref name="count"/> elements copied; the old one returned.</summary>
    public static T[] Grow(T[] array, int count)
    {
        var bigger = Rent(array.Length * 2);
        Array.Copy(array, bigger, count);
        Return(array);
        return bigger;
    }

    private static Stack<T[]>[] CreateStacks()
    {
        var stacks = new Stack<T[]>[Classes];
        for (var i = 0; i < Classes; i++)
        {
            stacks[i] = new Stack<T[]>();
        }

        return stacks;
    }

    private static int ClassOf(int length)
    {
        var cls = 0;
        while ((4 << cls) < length)
        {
            cls++;
        }

        return cls;
    }
}

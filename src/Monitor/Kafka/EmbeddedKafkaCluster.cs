using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Monitor.Kafka;

/// <summary>
/// An in-process Kafka cluster: librdkafka's mock cluster (DESIGN §6). Clients connect to
/// <see cref="BootstrapServers"/> over TCP as to a real broker. Good for the demo and tests; it
/// keeps only a few MB per partition and is never for production.
/// </summary>
public sealed class EmbeddedKafkaCluster : IDisposable
{
    /// <summary>The topics of DESIGN §3 and their dead-letter topics.</summary>
    public static readonly string[] DefaultTopics =
        ["chats", "calls", "orders", "agents", "chats.dlq", "calls.dlq", "orders.dlq", "agents.dlq"];

    private IntPtr _client;
    private IntPtr _cluster;

    private EmbeddedKafkaCluster(IntPtr client, IntPtr cluster, string bootstrapServers, int brokers)
    {
        _client = client;
        _cluster = cluster;
        BootstrapServers = bootstrapServers;
        Brokers = brokers;
    }

    /// <summary>Kafka protocol API keys for <see cref="PushRequestErrors"/>.</summary>
    public static class ApiKeys
    {
        /// <summary>Produce: a producer writing messages.</summary>
        public const short Produce = 0;
        /// <summary>Fetch: a consumer reading messages.</summary>
        public const short Fetch = 1;
        /// <summary>ListOffsets: offset look-ups (by time, earliest, latest).</summary>
        public const short ListOffsets = 2;
        /// <summary>Metadata: brokers, topics and partition leaders.</summary>
        public const short Metadata = 3;
        /// <summary>OffsetCommit: a consumer group committing offsets.</summary>
        public const short OffsetCommit = 8;
        /// <summary>OffsetFetch: a consumer group reading its committed offsets.</summary>
        public const short OffsetFetch = 9;
        /// <summary>FindCoordinator: finding a group's coordinator broker.</summary>
        public const short FindCoordinator = 10;
        /// <summary>JoinGroup: a member joining a consumer group (start of a rebalance).</summary>
        public const short JoinGroup = 11;
        /// <summary>Heartbeat: a group member saying it is alive.</summary>
        public const short Heartbeat = 12;
        /// <summary>SyncGroup: a group member receiving its partition assignment.</summary>
        public const short SyncGroup = 14;
    }

    /// <summary>Comma-separated host:port list of the mock brokers (127.0.0.1, ephemeral ports).</summary>
    public string BootstrapServers { get; }

    /// <summary>Number of mock brokers; their ids run from 1 to this.</summary>
    public int Brokers { get; }

    /// <summary>
    /// Starts <paramref name="brokers"/> mock brokers and creates <paramref name="topics"/> with
    /// <paramref name="partitions"/> partitions each, replicated on every broker up to 3 (the mock
    /// keeps one log per partition whatever the factor; the replicas only give a partition's
    /// metadata followers, so a leader can be moved to another broker).
    /// </summary>
    public static EmbeddedKafkaCluster Start(int brokers = 1, int partitions = 4, IEnumerable<string>? topics = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        NativeResolver.EnsureRegistered();

        var conf = Native.rd_kafka_conf_new();
        var error = new byte[512];
        foreach (var (name, value) in new[] { ("log_level", "3"), ("client.id", "monitor-embedded-broker") })
        {
            if (Native.rd_kafka_conf_set(conf, name, value, error, (UIntPtr)error.Length) != 0)
            {
                throw new InvalidOperationException($"librdkafka rejected {name}: {Text(error)}");
            }
        }

        // rd_kafka_new takes ownership of conf on success only.
        var client = Native.rd_kafka_new(0, conf, error, (UIntPtr)error.Length);
        if (client == IntPtr.Zero)
        {
            Native.rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException($"could not create the librdkafka handle for the mock cluster: {Text(error)}");
        }

        var cluster = Native.rd_kafka_mock_cluster_new(client, brokers);
        if (cluster == IntPtr.Zero)
        {
            Native.rd_kafka_destroy(client);
            throw new InvalidOperationException("librdkafka could not start the mock cluster");
        }

        var bootstrap = Marshal.PtrToStringUTF8(Native.rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("the mock cluster reported no bootstrap servers");
        var embedded = new EmbeddedKafkaCluster(client, cluster, bootstrap, brokers);
        foreach (var topic in topics ?? DefaultTopics)
        {
            embedded.CreateTopic(topic, partitions);
        }

        return embedded;
    }

    /// <summary>Creates <paramref name="topic"/> with <paramref name="partitions"/> partitions, replicated on min(brokers, 3) brokers.</summary>
    public void CreateTopic(string topic, int partitions)
    {
        ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
        Check(Native.rd_kafka_mock_topic_create(_cluster, topic, partitions, Math.Min(Brokers, 3)), $"create topic {topic}");
    }

    /// <summary>
    /// Takes broker <paramref name="brokerId"/> (1..<see cref="Brokers"/>) down: its connections are
    /// closed and new ones refused until <see cref="SetBrokerUp"/>. Leadership does not move by
    /// itself (use <see cref="SetPartitionLeader"/>); the partitions' data stays (one log per partition).
    /// </summary>
    public void SetBrokerDown(int brokerId)
    {
        ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
        Check(Native.rd_kafka_mock_broker_set_down(_cluster, brokerId), $"take broker {brokerId} down");
    }

    /// <summary>Lets broker <paramref name="brokerId"/> accept connections again after <see cref="SetBrokerDown"/>.</summary>
    public void SetBrokerUp(int brokerId)
    {
        ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
        Check(Native.rd_kafka_mock_broker_set_up(_cluster, brokerId), $"bring broker {brokerId} up");
    }

    /// <summary>Makes broker <paramref name="brokerId"/> the leader of a partition (-1: no leader); clients learn it from metadata.</summary>
    public void SetPartitionLeader(string topic, int partition, int brokerId)
    {
        ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
        Check(Native.rd_kafka_mock_partition_set_leader(_cluster, topic, partition, brokerId), $"move the leader of {topic}[{partition}] to {brokerId}");
    }

    /// <summary>
    /// The next requests of <paramref name="apiKey"/> (see <see cref="ApiKeys"/>), on any broker,
    /// are answered with <paramref name="errors"/>, one each, in order, and not executed.
    /// <see cref="ErrorCode.Local_Transport"/> makes the broker drop the connection instead.
    /// </summary>
    public void PushRequestErrors(short apiKey, params ErrorCode[] errors)
    {
        ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
        if (errors.Length == 0)
        {
            return;
        }

        Native.rd_kafka_mock_push_request_errors_array(_cluster, apiKey, (UIntPtr)errors.Length, errors.Select(e => (int)e).ToArray());
    }

    /// <summary>Drops the errors still queued for <paramref name="apiKey"/> by <see cref="PushRequestErrors"/>.</summary>
    public void ClearRequestErrors(short apiKey)
    {
        ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
        Native.rd_kafka_mock_clear_request_errors(_cluster, apiKey);
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"mock cluster could not {what}: librdkafka error {(ErrorCode)result}");
        }
    }

    /// <summary>Stops the mock brokers, losing their messages, and frees the librdkafka handle; a second call does nothing.</summary>
    public void Dispose()
    {
        if (_cluster != IntPtr.Zero)
        {
            Native.rd_kafka_mock_cluster_destroy(_cluster);
            _cluster = IntPtr.Zero;
        }

        if (_client != IntPtr.Zero)
        {
            Native.rd_kafka_destroy(_client);
            _client = IntPtr.Zero;
        }
    }

    private static string Text(byte[] buffer)
    {
        var end = Array.IndexOf(buffer, (byte)0);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
    }

    private static class Native
    {
        private const string Lib = "librdkafka";

        [DllImport(Lib)]
        public static extern IntPtr rd_kafka_conf_new();

        [DllImport(Lib)]
        public static extern void rd_kafka_conf_destroy(IntPtr conf);

        [DllImport(Lib)]
        public static extern int rd_kafka_conf_set(
            IntPtr conf,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string name,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string value,
            byte[] errstr,
            UIntPtr errstrSize);

        [DllImport(Lib)]
        public static extern IntPtr rd_kafka_new(int type, IntPtr conf, byte[] errstr, UIntPtr errstrSize);

        [DllImport(Lib)]
        public static extern void rd_kafka_destroy(IntPtr rk);

        [DllImport(Lib)]
        public static extern IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

        [DllImport(Lib)]
        public static extern void rd_kafka_mock_cluster_destroy(IntPtr cluster);

        [DllImport(Lib)]
        public static extern IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);

        [DllImport(Lib)]
        public static extern int rd_kafka_mock_topic_create(
            IntPtr cluster,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string topic,
            int partitionCount,
            int replicationFactor);

        [DllImport(Lib)]
        public static extern int rd_kafka_mock_broker_set_down(IntPtr cluster, int brokerId);

        [DllImport(Lib)]
        public static extern int rd_kafka_mock_broker_set_up(IntPtr cluster, int brokerId);

        [DllImport(Lib)]
        public static extern int rd_kafka_mock_partition_set_leader(
            IntPtr cluster,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string topic,
            int partition,
            int brokerId);

        // The array form: the other one is variadic, which P/Invoke cannot call portably.
        [DllImport(Lib)]
        public static extern void rd_kafka_mock_push_request_errors_array(IntPtr cluster, short apiKey, UIntPtr count, int[] errors);

        [DllImport(Lib)]
        public static extern void rd_kafka_mock_clear_request_errors(IntPtr cluster, short apiKey);
    }

    /// <summary>
    /// Loads librdkafka the way Confluent.Kafka does on Linux: the package's librdkafka.so first
    /// (it needs libsasl2, absent on a fresh machine), then centos8-librdkafka.so beside it.
    /// </summary>
    private static class NativeResolver
    {
        private static int _registered;

        public static void EnsureRegistered()
        {
            if (Interlocked.Exchange(ref _registered, 1) == 0)
            {
                NativeLibrary.SetDllImportResolver(typeof(EmbeddedKafkaCluster).Assembly, Resolve);
            }
        }

        private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
        {
            if (name != "librdkafka")
            {
                return IntPtr.Zero;
            }

            var tried = new List<string>();
            foreach (var candidate in Candidates())
            {
                tried.Add(candidate);
                if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
                {
                    return handle;
                }
            }

            throw new DllNotFoundException($"could not load librdkafka for the embedded broker; tried: {string.Join(", ", tried)}");
        }

        private static IEnumerable<string> Candidates()
        {
            var rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
            var native = Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native");
            if (OperatingSystem.IsLinux())
            {
                yield return Path.Combine(native, "librdkafka.so");
                yield return Path.Combine(native, "centos8-librdkafka.so");
                yield return Path.Combine(native, "alpine-librdkafka.so");
            }
            else if (OperatingSystem.IsMacOS())
            {
                yield return Path.Combine(AppContext.BaseDirectory, "runtimes", "osx-" + (rid.EndsWith("arm64", StringComparison.Ordinal) ? "arm64" : "x64"), "native", "librdkafka.dylib");
            }
            else
            {
                yield return Path.Combine(AppContext.BaseDirectory, "runtimes", "win-x64", "native", "librdkafka.dll");
            }
        }
    }
}

using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Http;
using Monitor.Observability;
using static Monitor.Tests.Alerting.AlertChanges;

namespace Monitor.Tests.Alerting;

public sealed class AlertDispatcherTests
{
    private const long T0 = 1_731_254_400_000; // 2024-11-10T16:00:00Z

    private readonly MonitorMetrics _metrics = new(Prometheus.Metrics.NewCustomRegistry());

    private double Firing(string alertname, Severity severity) => _metrics.AlertsFiring.WithLabels(alertname, severity.Label()).Value;

    [Fact]
    public async Task Publish_FansOutToEverySinkInOrder_EvenWhenOneThrows()
    {
        var first = new RecordingSink("a");
        var broken = new RecordingSink("broken") { Throws = true };
        var last = new RecordingSink("b");
        await using var dispatcher = new AlertDispatcher([first, broken, last], _metrics);
        var fired = Fired("s1", Severity.Warning, T0);
        var resolved = Resolved(fired, T0 + 1000);

        dispatcher.Publish(fired);
        dispatcher.Publish(resolved);

        Assert.Equal([fired, resolved], first.Changes);
        Assert.Equal([fired, resolved], last.Changes);
        Assert.Equal(2, _metrics.Notifications("broken", "failed"));
    }

    [Fact]
    public async Task Inhibition_HoldsBackTheSinksCopy_CountsIt_AndApiAlertsStillShowsEverything()
    {
        var sink = new RecordingSink("a");
        await using var dispatcher = new AlertDispatcher([sink], _metrics, inhibition: new ShopInhibition(ShopInhibition.DefaultRules));
        var crisis = Fired("s1", Severity.Critical, T0, rule: "CrisisLevelRaised");
        var slow = Fired("s1", Severity.Warning, T0 + 1000);

        dispatcher.Publish(crisis);
        dispatcher.Publish(slow);

        Assert.Equal([crisis], sink.Changes);
        Assert.Equal(1, _metrics.Notifications(AlertDispatcher.InhibitionName, "held"));
        Assert.Equal(2, dispatcher.Snapshot().Active.Count);
        Assert.Equal(1, Firing("ChatFirstResponseSlow", Severity.Warning));
    }

    [Fact]
    public async Task Dispose_DisposesEverySink()
    {
        var sinks = new[] { new RecordingSink("a"), new RecordingSink("b") };
        await new AlertDispatcher(sinks).DisposeAsync();
        Assert.All(sinks, s => Assert.True(s.Disposed));
    }

    [Fact]
    public async Task ActiveSet_KeepsTheLatestChangePerInstance_AndDropsResolvedOnes()
    {
        await using var dispatcher = new AlertDispatcher([], _metrics);
        var s1 = Fired("s1", Severity.Warning, T0);
        var s2 = Fired("s2", Severity.Info, T0 + 5);
        var s1Critical = Moved(s1, Severity.Critical, T0 + 10);

        dispatcher.Publish(s1);
        dispatcher.Publish(s2);
        dispatcher.Publish(s1Critical);
        Assert.Equal([s1Critical, s2], dispatcher.Snapshot().Active); // highest severity first

        dispatcher.Publish(Resolved(s1Critical, T0 + 20));
        Assert.Equal([s2], dispatcher.Snapshot().Active);
    }

    [Fact]
    public async Task FiringGauge_CountsInstancesPerAlertNameAndSeverity()
    {
        await using var dispatcher = new AlertDispatcher([], _metrics);
        var s1 = Fired("s1", Severity.Warning, T0);
        var s2 = Fired("s2", Severity.Warning, T0);
        dispatcher.Publish(s1);
        dispatcher.Publish(s2);
        dispatcher.Publish(Fired("s1", Severity.Major, T0, rule: "RefundBacklogHigh"));
        Assert.Equal(2, Firing("ChatFirstResponseSlow", Severity.Warning));
        Assert.Equal(1, Firing("RefundBacklogHigh", Severity.Major));

        var escalated = Moved(s1, Severity.Critical, T0 + 1);
        dispatcher.Publish(escalated);
        dispatcher.Publish(s2 with { Kind = AlertChangeKind.Reminded }); // same severity: no change
        Assert.Equal(1, Firing("ChatFirstResponseSlow", Severity.Warning));
        Assert.Equal(1, Firing("ChatFirstResponseSlow", Severity.Critical));

        dispatcher.Publish(Resolved(escalated, T0 + 2));
        dispatcher.Publish(Resolved(s2, T0 + 2));
        Assert.Equal(0, Firing("ChatFirstResponseSlow", Severity.Warning));
        Assert.Equal(0, Firing("ChatFirstResponseSlow", Severity.Critical));
    }

    [Fact]
    public async Task Recent_KeepsTheLastNChanges_NewestFirst()
    {
        await using var dispatcher = new AlertDispatcher([], _metrics, recentCapacity: 3);
        var changes = Enumerable.Range(0, 5).Select(i => Fired($"s{i}", Severity.Warning, T0 + i)).ToArray();
        foreach (var change in changes)
        {
            dispatcher.Publish(change);
        }

        Assert.Equal([changes[4], changes[3], changes[2]], dispatcher.Snapshot().Recent);
        Assert.Equal(5, dispatcher.Snapshot().Active.Count);
    }

    [Fact]
    public async Task ActiveSet_IsCapped_ButEveryChangeStillReachesTheSinks()
    {
        var sink = new RecordingSink("a");
        await using var dispatcher = new AlertDispatcher([sink], _metrics, maxActive: 1);
        dispatcher.Publish(Fired("s1", Severity.Warning, T0));
        dispatcher.Publish(Fired("s2", Severity.Warning, T0));

        Assert.Single(dispatcher.Snapshot().Active);
        Assert.Equal(2, sink.Changes.Count);
        Assert.Equal(1, _metrics.Notifications(AlertDispatcher.ViewName, "dropped"));
    }

    [Fact]
    public async Task Snapshot_IsSafeToReadWhileThePipelinePublishes()
    {
        await using var dispatcher = new AlertDispatcher([], _metrics, recentCapacity: 50);
        var publisher = Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                var fired = Fired($"s{i % 100}", Severity.Warning, T0 + i);
                dispatcher.Publish(i % 3 == 0 ? Resolved(fired, T0 + i) : fired);
            }
        });

        while (!publisher.IsCompleted)
        {
            var snapshot = dispatcher.Snapshot();
            Assert.True(snapshot.Recent.Count <= 50);
            Assert.True(snapshot.Active.Count <= 100);
        }

        await publisher;
    }

    [Fact]
    public async Task ApiAlerts_ServesActiveAndRecent_AsJson()
    {
        await using var dispatcher = new AlertDispatcher([], _metrics);
        var fired = Fired("旗舰店", Severity.Critical, T0);
        dispatcher.Publish(Fired("s2", Severity.Warning, T0));
        dispatcher.Publish(fired);
        dispatcher.Publish(Resolved(Fired("s2", Severity.Warning, T0), T0 + 60_000));

        var (status, mediaType, body) = await GetApiAlertsAsync(dispatcher);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json", mediaType);

        using var document = JsonDocument.Parse(body);
        var active = Assert.Single(document.RootElement.GetProperty("active").EnumerateArray());
        Assert.Equal("fired", active.GetProperty("kind").GetString());
        Assert.Equal("ChatFirstResponseSlow", active.GetProperty("rule").GetString());
        Assert.Equal("critical", active.GetProperty("severity").GetString());
        Assert.Equal("旗舰店", active.GetProperty("labels").GetProperty("shop").GetString());
        Assert.Equal(ToDictionary(fired.Annotations), Object(active.GetProperty("annotations")));
        Assert.Equal(250, active.GetProperty("value").GetDouble());
        Assert.Equal(180, active.GetProperty("threshold").GetDouble());
        Assert.Equal("2024-11-10T16:00:00.000Z", active.GetProperty("startsAt").GetString());
        Assert.Equal("2024-11-10T16:00:00.000Z", active.GetProperty("at").GetString());

        var recent = document.RootElement.GetProperty("recent").EnumerateArray().ToArray();
        Assert.Equal(["resolved", "fired", "fired"], recent.Select(r => r.GetProperty("kind").GetString()));
        Assert.Equal("2024-11-10T16:01:00.000Z", recent[0].GetProperty("at").GetString());
    }

    [Fact]
    public async Task ApiAlerts_WithoutADispatcher_AnswersEmptyLists()
    {
        var (status, _, body) = await GetApiAlertsAsync(dispatcher: null);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("{\"active\":[],\"recent\":[]}", body);
    }

    /// <summary>GET /api/alerts from a real Kestrel on a free loopback port, <paramref name="dispatcher"/> registered when given.</summary>
    private static async Task<(HttpStatusCode Status, string? MediaType, string Body)> GetApiAlertsAsync(AlertDispatcher? dispatcher)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        if (dispatcher is not null)
        {
            builder.Services.AddSingleton(dispatcher);
        }

        await using var app = builder.Build();
        app.MapAlertEndpoints();
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(address) };
            using var response = await http.GetAsync("/api/alerts");
            return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private sealed class RecordingSink(string name) : IAlertSink
    {
        public string Name { get; } = name;

        public bool Throws { get; init; }

        public bool Disposed { get; private set; }

        public List<AlertChange> Changes { get; } = [];

        public void Publish(AlertChange change)
        {
            if (Throws)
            {
                throw new InvalidOperationException("sink bug");
            }

            Changes.Add(change);
        }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}

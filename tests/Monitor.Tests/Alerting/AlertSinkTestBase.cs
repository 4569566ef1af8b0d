using System.Text.Json;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Tests.Influx;
using static Monitor.Tests.Alerting.AlertChanges;

namespace Monitor.Tests.Alerting;

/// <summary>
/// What the HTTP sink tests share: virtual time, a scripted HTTP handler that records each request,
/// metrics, a log, and disposal of the sink under test past its shutdown timeout.
/// </summary>
public abstract class AlertSinkTestBase<TSink> : ScriptedHttpTestBase<TSink>
    where TSink : class, IAlertSink
{
    /// <summary>The sink under test, disposed after the test.</summary>
    protected TSink? Sink
    {
        get => Subject;
        set => Subject = value;
    }

    /// <summary>When the alerts of a test started: a minute before the virtual clock's start.</summary>
    protected long StartMs => Time.Start.ToUnixTimeMilliseconds() - 60_000;

    protected override void WhileDisposing() => Time.Advance(TimeSpan.FromMinutes(1)); // past any shutdown timeout

    protected double Notifications(string outcome) => Metrics.Notifications(Sink!.Name, outcome);

    /// <summary>The elements of a request's JSON array body.</summary>
    protected static JsonElement[] Items(RecordedRequest request) =>
        JsonDocument.Parse(request.Text).RootElement.EnumerateArray().ToArray();

    /// <summary>The shops of a request's elements, in order.</summary>
    protected static string[] Shops(RecordedRequest request) =>
        Items(request).Select(e => e.GetProperty("labels").GetProperty("shop").GetString()!).ToArray();

    /// <summary>None of <paramref name="secrets"/> (a robot's token, a signing secret) is in any log line.</summary>
    protected void AssertNeverLogged(params string[] secrets) =>
        Assert.All(Logger.Entries, e => Assert.All(secrets, secret => Assert.DoesNotContain(secret, e.Message, StringComparison.Ordinal)));

    /// <summary>A chat robot's answer: HTTP 200 with its <c>errcode</c> and <c>errmsg</c>.</summary>
    protected static HttpResponseMessage RobotAnswer(int errcode, string errmsg = "ok") => new(System.Net.HttpStatusCode.OK)
    {
        Content = new StringContent($$"""{"errcode":{{errcode}},"errmsg":"{{errmsg}}"}""", System.Text.Encoding.UTF8, "application/json"),
    };

    /// <summary>The next request is answered as a chat robot would (see <see cref="RobotAnswer"/>).</summary>
    protected void Answer(int errcode, string errmsg = "ok") => Handler.Enqueue(_ => Task.FromResult(RobotAnswer(errcode, errmsg)));

    /// <summary>
    /// Returns once the sink has counted the answer to every request made so far. A request arriving
    /// says nothing about its answer; but the delivery loop is sequential (it settles one answer before
    /// it takes the next batch), so a probe change published now is requested only after that. The
    /// probe's own request is held open until the test ends. Call it last, before reading counters.
    /// </summary>
    protected async Task AnswersCountedAsync()
    {
        Assert.Equal(0, Handler.Scripted); // else the probe would take a scripted answer, not the held one
        Handler.EnqueueBlocked();
        await PublishAndWaitAsync(Fired("answers-counted-probe", Severity.Critical, StartMs), Handler.Requests.Count + 1);
    }

    /// <summary>Publishes <paramref name="change"/> to the sink and waits until <paramref name="requests"/> requests were made in all.</summary>
    protected async Task PublishAndWaitAsync(AlertChange change, int requests)
    {
        Sink!.Publish(change);
        await Handler.WaitForRequestsAsync(requests).WaitAsync(Patience);
    }
}

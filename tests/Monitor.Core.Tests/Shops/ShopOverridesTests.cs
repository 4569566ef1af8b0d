using Monitor.Core.Metrics;
using Monitor.Core.Tests.Support;
using static Monitor.Core.Tests.Support.ChatEvents;

namespace Monitor.Core.Tests.Shops;

public sealed class ShopOverridesTests
{
    [Fact]
    public void ShopOverride_ChangesThatShopsReplySla_Only()
    {
        var options = new EngineOptions
        {
            AllowedLateness = TimeSpan.Zero,
            Shops = new Dictionary<string, ShopOverrides> { ["vip"] = new() { ChatReplySla = TimeSpan.FromSeconds(30) } },
        };
        var chats = new ChatEvents();
        var engine = new RecordingEngine(options).Feed(
            chats.Customer("a", At(1), shop: "vip"),
            chats.Customer("b", At(1), shop: "plain"),
            chats.Agent("a", At(61), shop: "vip"),
            chats.Agent("b", At(61), shop: "plain"));
        engine.Engine.Flush();

        // A 60 s reply misses the VIP shop's 30 s SLA and meets the default 180 s.
        Assert.Equal(0, engine.ResponseAt(At(70), "first", "agent", shop: "vip").Value("within_sla_ratio"));
        Assert.Equal(1, engine.ResponseAt(At(70), "first", "agent", shop: "plain").Value("within_sla_ratio"));
    }
}

using System.Text;

namespace Monitor.Simulation;

/// <summary>
/// What customers, agents and bots write: Chinese and English, a share with complaint keywords of
/// the default dictionary, some full-width letters and digits (NFKC folds them back) and emoji.
/// No text holds an id.
/// </summary>
internal static class TextCatalog
{
    public static readonly TextPool CustomerNeutral = new(
        "你好，请问什么时候发货？", "在吗？", "这款还有货吗", "双十一的优惠券怎么用不了", "满300减50是跨店的吗",
        "可以帮我改一下收货地址吗", "发什么快递呀", "尺码怎么选，身高170体重60kg", "能开发票吗", "预售的尾款什么时候付",
        "赠品会一起发吗", "物流怎么还没更新", "价格保护怎么申请", "直播间的价格和这里不一样啊", "可以合并发货吗",
        "Hi, when will my order ship?", "Is size M still in stock?", "Can I change my delivery address?",
        "Does the Double 11 discount stack with the coupon?", "Do you ship to Macau?", "ok thanks", "好的，谢谢",
        "What colours does it come in?", "我已经付款了，麻烦尽快发货");

    public static readonly TextPool CustomerComplaint = new(
        "三天了还不发货，我要投诉", "再不处理我就打12315", "我已经向消协反映了", "东西收到是破损的，怎么办",
        "漏发了一件，买了两件只收到一件", "你们错发了颜色，我要的是黑色", "这是假货吧，和专柜的不一样", "客服一直不回，差评",
        "不给说法我就去微博曝光", "骗人的吧，说好的赠品呢", "我要退款", "退款怎么还没到账", "打１２３１５投诉你们",
        "我要ＲＥＦＵＮＤ", "This is a scam", "I want a refund now", "The package arrived broken",
        "I'm going to file a chargeback with my bank", "I want to make a complaint about your service",
        "Refund please, you sent the wrong item", "COMPLAINT!!! nobody answers", "Where is my Refund?");

    public static readonly TextPool FollowUp = new("在吗？？", "人呢？", "hello??", "有人吗", "怎么不回复", "还在等回复", "???", "Anyone there?");

    public static readonly TextPool FollowUpAngry = new("这么久不回，投诉了", "再不回我就给差评", "客服都去哪了，我要投诉", "Still waiting... this is a scam", "不回复是吧，12315见");

    public static readonly TextPool AskForHuman = new("转人工", "人工客服", "机器人听不懂，转人工", "I need a human agent", "人工！");

    public static readonly TextPool Bot = new(
        "您好，我是智能助手，请问有什么可以帮您？", "亲，下单后48小时内发货哦", "亲，优惠券可以在领券中心查看",
        "Hi! I'm the shop assistant. Orders ship within 48 hours.", "亲，退换货请在订单页面申请", "正在为您查询物流信息，请稍候",
        "亲，预售商品按付尾款顺序发货", "亲，尺码表在商品详情页第三张图");

    public static readonly TextPool Agent = new(
        "亲，已经帮您催促仓库了，今天内发出", "您好，已为您登记，请耐心等待", "非常抱歉给您带来不便", "亲，已为您备注优先发货",
        "Sorry for the wait, we're checking with the courier.", "Your refund has been submitted and should arrive in 1-3 days.",
        "亲亲，尺码建议选M", "好的亲，地址已修改", "感谢您的耐心等待", "已为您申请补发，请留意物流", "亲，破损的话拍照给我们，马上处理");

    public static readonly TextPool CallCustomer = new(
        "我打电话是想问一下退款进度", "快递显示签收了但我没收到", "I'd like to cancel my order", "我想改一下发票抬头",
        "能不能今天发货，急用", "预售的东西什么时候到");

    public static readonly TextPool CallCustomerComplaint = new(
        "你们的客服一直不回消息，我要投诉", "东西坏了，屏幕是破损的", "我要退款，不然我打12315", "This is the third time I call, I want a refund",
        "漏发了配件，你们怎么做事的", "再这样我就去曝光你们");

    public static readonly TextPool CallAgent = new("您好，很高兴为您服务", "请您提供一下下单手机号", "好的，我这边帮您加急处理", "I'll escalate this to our logistics team", "非常抱歉，马上为您处理");

    public static readonly TextPool ReviewPositive = new("质量很好，物流也快", "好评，会回购", "Great quality, fast delivery", "包装很用心", "性价比很高", "客服很耐心", "和图片一样，满意");

    public static readonly TextPool ReviewNeutral = new("一般般吧", "还行，就是物流有点慢", "OK for the price", "颜色和图片有点色差");

    public static readonly TextPool ReviewNegative = new(
        "差评，收到就是破损的", "假货，千万别买", "漏发还不给处理，投诉", "客服态度差，退款拖了一周", "Arrived broken, still waiting for a refund",
        "Total scam, do not buy", "错发了尺码，差评", "等了一周才发货，差评");

    public static readonly byte[][] Emoji = ["😡"u8.ToArray(), "🙏"u8.ToArray(), "😭"u8.ToArray(), "👍"u8.ToArray(), "🤔"u8.ToArray(), "😊"u8.ToArray(), "😤"u8.ToArray(), "❤️"u8.ToArray(), "🤬"u8.ToArray()];
}

/// <summary>A set of phrases as UTF-8, each with its full-width form when it is mostly ASCII.</summary>
internal sealed class TextPool
{
    private readonly byte[][] _phrases;
    private readonly byte[]?[] _fullWidth;

    public TextPool(params string[] phrases)
    {
        _phrases = new byte[phrases.Length][];
        _fullWidth = new byte[]?[phrases.Length];
        for (var i = 0; i < phrases.Length; i++)
        {
            var phrase = phrases[i];
            foreach (var c in phrase)
            {
                if (c is '"' or '\\' or < ' ')
                {
                    throw new InvalidOperationException("Catalogue texts are written raw and must need no JSON escaping.");
                }
            }

            _phrases[i] = Encoding.UTF8.GetBytes(phrase);
            if (phrase.Count(char.IsAsciiLetter) * 2 > phrase.Length)
            {
                _fullWidth[i] = Encoding.UTF8.GetBytes(ToFullWidth(phrase));
            }
        }
    }

    public int Count => _phrases.Length;

    /// <summary>A random phrase; its full-width form with probability <paramref name="fullWidthChance"/> where there is one.</summary>
    public byte[] Pick(Random random, double fullWidthChance)
    {
        var i = random.Next(_phrases.Length);
        return _fullWidth[i] is { } wide && random.NextDouble() < fullWidthChance ? wide : _phrases[i];
    }

    private static string ToFullWidth(string text)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = chars[i] switch
            {
                ' ' => '\u3000',
                >= '!' and <= '~' => (char)(chars[i] + 0xFEE0),
                _ => chars[i],
            };
        }

        return new string(chars);
    }
}

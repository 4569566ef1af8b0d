using System.Text.Json;

namespace Monitor.Simulation;

/// <summary>Provinces (pinyin), weighted roughly by online shopping volume, and the carriers that serve them.</summary>
internal static class Regions
{
    private static readonly (string Name, double Weight)[] Provinces =
    [
        ("Guangdong", 14), ("Zhejiang", 10), ("Jiangsu", 10), ("Shanghai", 7), ("Beijing", 6), ("Shandong", 6),
        ("Fujian", 5), ("Sichuan", 5), ("Henan", 4.5), ("Hubei", 4), ("Hunan", 3.5), ("Anhui", 3.5), ("Hebei", 3.5),
        ("Chongqing", 2.5), ("Shaanxi", 2.5), ("Liaoning", 2.5), ("Tianjin", 2), ("Jiangxi", 2), ("Guangxi", 2),
        ("Yunnan", 2), ("Shanxi", 1.5), ("Guizhou", 1.5), ("Heilongjiang", 1.5), ("Jilin", 1.2), ("Inner Mongolia", 1),
        ("Xinjiang", 1), ("Gansu", 0.8), ("Hainan", 0.8), ("Ningxia", 0.4), ("Qinghai", 0.3), ("Tibet", 0.2),
    ];

    // Warehouses sit in the manufacturing and logistics hubs.
    private static readonly int[] WarehouseProvinces = [0, 1, 2, 3, 6];

    private static readonly double[] Cumulative = BuildCumulative();

    public static readonly JsonEncodedText[] Names = Provinces.Select(p => JsonEncodedText.Encode(p.Name)).ToArray();

    public static readonly JsonEncodedText[] Carriers =
    [
        JsonEncodedText.Encode("SF Express"), JsonEncodedText.Encode("ZTO Express"), JsonEncodedText.Encode("YTO Express"),
        JsonEncodedText.Encode("STO Express"), JsonEncodedText.Encode("Yunda Express"), JsonEncodedText.Encode("JD Logistics"),
        JsonEncodedText.Encode("China Post EMS"),
    ];

    private static readonly double[] CarrierCumulative = [0.18, 0.42, 0.58, 0.70, 0.84, 0.95, 1.0];

    public static int PickDestination(Random random)
    {
        var i = Array.BinarySearch(Cumulative, random.NextDouble());
        return Math.Min(i < 0 ? ~i : i, Cumulative.Length - 1);
    }

    public static int PickWarehouse(Random random) => WarehouseProvinces[random.Next(WarehouseProvinces.Length)];

    public static int PickCarrier(Random random)
    {
        var i = Array.BinarySearch(CarrierCumulative, random.NextDouble());
        return Math.Min(i < 0 ? ~i : i, CarrierCumulative.Length - 1);
    }

    private static double[] BuildCumulative()
    {
        var total = Provinces.Sum(p => p.Weight);
        var cumulative = new double[Provinces.Length];
        var sum = 0.0;
        for (var i = 0; i < Provinces.Length; i++)
        {
            sum += Provinces[i].Weight;
            cumulative[i] = sum / total;
        }

        return cumulative;
    }
}

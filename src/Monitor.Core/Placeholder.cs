namespace Monitor.Core; internal static class Placeholder {}

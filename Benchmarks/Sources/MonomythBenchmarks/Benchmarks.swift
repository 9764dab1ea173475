import Foundation

/// How much each figure measures, and where.
public struct BenchmarkOptions: Sendable {
    /// Rounds per figure; product and baseline alternate within each.
    public var rounds: Int
    /// Messages through the embedded pipeline per round.
    public var embeddedMessages: Int
    /// Messages through the broker per round.
    public var brokerMessages: Int
    /// Batch size of every node, and the prefetch of the raw consumer.
    public var batchSize: Int
    /// START-NODE-REQUEST round trips per round.
    public var roundTrips: Int
    /// Nodes placed per round, over ``placementWorkers`` workers.
    public var placedNodes: Int
    public var placementWorkers: Int
    /// Heartbeating workers, and how long the master serves them per round.
    public var heartbeatWorkers: Int
    public var heartbeatDuration: Duration
    /// The broker of the RabbitMQ figures; its vhost should be one of their own.
    public var amqpURL: String
    /// The text WordCount counts.
    public var text: String

    /// The recorded run: sizes where a round takes seconds.
    public static func full(amqpURL: String, text: String) -> BenchmarkOptions {
        BenchmarkOptions(
            rounds: 5, embeddedMessages: 200_000, brokerMessages: 20_000, batchSize: 100, roundTrips: 2_000,
            placedNodes: 1_000, placementWorkers: 50, heartbeatWorkers: 200, heartbeatDuration: .seconds(10),
            amqpURL: amqpURL, text: text)
    }

    /// A short run that exercises every figure.
    public static func quick(amqpURL: String, text: String) -> BenchmarkOptions {
        BenchmarkOptions(
            rounds: 1, embeddedMessages: 5_000, brokerMessages: 1_000, batchSize: 100, roundTrips: 100,
            placedNodes: 100, placementWorkers: 10, heartbeatWorkers: 20, heartbeatDuration: .seconds(2),
            amqpURL: amqpURL, text: text)
    }
}

/// One line of the results: a product figure, its baseline if it has one,
/// and the target it is held to.
public struct BenchmarkRow: Sendable {
    public var figure: String
    public var unit: String
    /// The median over the rounds.
    public var product: Double
    public var baseline: Double?
    public var target: String
    /// Whether the target is met; `nil` when the figure has none.
    public var met: Bool?

    /// Product over baseline.
    public var ratio: Double? { baseline.flatMap { $0 > 0 ? product / $0 : nil } }
}

/// Runs every figure in turn and returns its rows.
public func runBenchmarks(_ options: BenchmarkOptions, progress: (String) -> Void = { _ in }) throws -> [BenchmarkRow] {
    var rows: [BenchmarkRow] = []
    progress("embedded throughput")
    rows += try embeddedThroughput(options)
    progress("RabbitMQ throughput")
    rows += try brokerThroughput(options)
    progress("orchestration")
    rows += try orchestration(options)
    progress("WordCount")
    rows += try wordCount(options)
    return rows
}

/// The rows as a Markdown table.
public func renderTable(_ rows: [BenchmarkRow]) -> String {
    var lines = [
        "| figure | product | baseline | ratio | target | met |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for row in rows {
        let baseline = row.baseline.map { "\(format($0)) \(row.unit)" } ?? "—"
        let ratio = row.ratio.map { String(format: "%.2f×", $0) } ?? "—"
        let met = row.met.map { $0 ? "yes" : "**no**" } ?? "—"
        lines.append("| \(row.figure) | \(format(row.product)) \(row.unit) | \(baseline) | \(ratio) | \(row.target) | \(met) |")
    }
    return lines.joined(separator: "\n")
}

private func format(_ value: Double) -> String {
    switch value {
    case 1000...: String(format: "%.0f", value)
    case 10...: String(format: "%.1f", value)
    default: String(format: "%.3f", value)
    }
}

/// Runs `product` and `baseline` `rounds` times each, alternating which
/// goes first; returns the medians.
func alternating(
    rounds: Int, product: () throws -> Double, baseline: () throws -> Double
) rethrows -> (product: Double, baseline: Double) {
    var products: [Double] = [], baselines: [Double] = []
    for round in 0..<max(1, rounds) {
        if round.isMultiple(of: 2) {
            products.append(try product())
            baselines.append(try baseline())
        } else {
            baselines.append(try baseline())
            products.append(try product())
        }
    }
    return (median(products), median(baselines))
}

func median(_ values: [Double]) -> Double { percentile(values, 50) }

/// The nearest-rank percentile of `values`.
func percentile(_ values: [Double], _ rank: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let index = Int((rank / 100 * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(index, 0), sorted.count - 1)]
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Why a figure could not be measured.
public enum BenchmarkError: Error, CustomStringConvertible {
    case failed(String)

    public var description: String {
        switch self {
        case .failed(let detail): detail
        }
    }
}

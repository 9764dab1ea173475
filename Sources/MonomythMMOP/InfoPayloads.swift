import Foundation
import MonomythCore

/// One entry of the `RECIPE-INFO` answer.
public struct RecipeInfo: Codable, Equatable, Sendable {
    public struct Counts: Codable, Equatable, Sendable {
        public var running: Int
        public var queued: Int
        public var completed: Int
        /// Extension: nodes that could not start or stopped on an error.
        public var failed: Int

        public init(running: Int = 0, queued: Int = 0, completed: Int = 0, failed: Int = 0) {
            self.running = running
            self.queued = queued
            self.completed = completed
            self.failed = failed
        }
    }

    public var type: String
    public var counts: Counts
    /// Extension: the reason of the latest failure of a node of this type.
    public var lastFailure: String?

    public init(type: String, counts: Counts, lastFailure: String? = nil) {
        self.type = type
        self.counts = counts
        self.lastFailure = lastFailure
    }

    enum CodingKeys: String, CodingKey {
        case type, counts
        case lastFailure = "last_failure"
    }
}

/// One entry of the `WORKER-INFO` answer.
public struct WorkerInfo: Codable, Equatable, Sendable {
    public struct Nodes: Codable, Equatable, Sendable {
        public var recipeName: String
        /// Nodes of this type placed on the worker: running or starting.
        public var nodeCount: Int

        public init(recipeName: String, nodeCount: Int) {
            self.recipeName = recipeName
            self.nodeCount = nodeCount
        }

        enum CodingKeys: String, CodingKey {
            case recipeName = "recipe_name"
            case nodeCount = "node_count"
        }
    }

    public var workerID: String
    public var nodes: [Nodes]

    public init(workerID: String, nodes: [Nodes]) {
        self.workerID = workerID
        self.nodes = nodes
    }

    enum CodingKeys: String, CodingKey {
        case workerID = "worker_id"
        case nodes
    }
}

/// Extension: message counts of the nodes of one type, summed over node
/// instances (`NODE-METRICS` from a worker, `METRICS` from the master).
public struct NodeMetrics: Codable, Equatable, Sendable {
    public var type: String
    /// Messages produced by a source, or processed by a stage or sink.
    public var processed: Int
    /// Messages sent to the fail queue.
    public var failed: Int
    /// Empty messages acknowledged and dropped.
    public var dropped: Int
    public var batches: Int
    /// Time spent on batches, in seconds.
    public var batchSeconds: Double

    public init(
        type: String, processed: Int = 0, failed: Int = 0, dropped: Int = 0, batches: Int = 0, batchSeconds: Double = 0
    ) {
        self.type = type
        self.processed = processed
        self.failed = failed
        self.dropped = dropped
        self.batches = batches
        self.batchSeconds = batchSeconds
    }

    /// The sum of two counts of the same type; a sum too large to hold
    /// stays at the largest value rather than overflowing.
    public func adding(_ other: NodeMetrics) -> NodeMetrics {
        func sum(_ a: Int, _ b: Int) -> Int {
            let (result, overflow) = a.addingReportingOverflow(b)
            return overflow ? .max : result
        }
        return NodeMetrics(
            type: type, processed: sum(processed, other.processed), failed: sum(failed, other.failed),
            dropped: sum(dropped, other.dropped), batches: sum(batches, other.batches),
            batchSeconds: min(batchSeconds + other.batchSeconds, .greatestFiniteMagnitude))
    }

    /// Decodes, refusing negative counts and a time that is negative or not
    /// finite: a peer's report must not be able to break the master's sums.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            type: try container.decode(String.self, forKey: .type),
            processed: try container.decode(Int.self, forKey: .processed),
            failed: try container.decode(Int.self, forKey: .failed),
            dropped: try container.decode(Int.self, forKey: .dropped),
            batches: try container.decode(Int.self, forKey: .batches),
            batchSeconds: try container.decode(Double.self, forKey: .batchSeconds))
        guard [processed, failed, dropped, batches].allSatisfy({ $0 >= 0 }), batchSeconds.isFinite, batchSeconds >= 0
        else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: container.codingPath, debugDescription: "counts and seconds must be finite and not negative"))
        }
    }

    enum CodingKeys: String, CodingKey {
        case type, processed, failed, dropped, batches
        case batchSeconds = "batch_seconds"
    }
}

/// The JSON of MMOP payloads: recipes and info answers.
public enum MMOPJSON {
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain value types cannot fail.
        return Array(try! encoder.encode(value))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }

    /// The recipe bytes of `START-NODE`: the recipe as JSON.
    public static func recipeBytes(_ recipe: Recipe) -> [UInt8] { encode(recipe) }
}

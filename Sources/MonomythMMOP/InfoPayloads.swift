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

/// A pipeline that cannot run, with every problem found, each in a sentence.
public struct PipelineValidationError: Error, Equatable, CustomStringConvertible {
    public let pipeline: String
    public let problems: [String]

    public init(pipeline: String, problems: [String]) {
        self.pipeline = pipeline
        self.problems = problems
    }

    public var description: String {
        "Pipeline \"\(pipeline)\" is not valid:\n" + problems.map { "- \($0)" }.joined(separator: "\n")
    }
}

enum PipelineValidator {
    static func problems(in pipeline: Pipeline) -> [String] {
        var problems: [String] = []
        if pipeline.name.isEmpty {
            problems.append("The pipeline has an empty name; give it a name such as \"word-count\".")
        }
        if pipeline.nodes.isEmpty {
            problems.append("The pipeline has no nodes; add at least one Source, Stage or Sink.")
        }
        var seen: [String: Int] = [:]
        for node in pipeline.nodes {
            seen[node.name, default: 0] += 1
            if !isValidName(node.name) {
                problems.append(
                    "Node name \"\(node.name)\" is not valid: use lower-case letters, digits and hyphens, "
                        + "starting with a letter (e.g. \"map-text\").")
            }
            if node.batchSize < 1 {
                problems.append("Node \"\(node.name)\" has batch size \(node.batchSize); a batch size must be at least 1.")
            }
            if node.instances < 1 {
                problems.append("Node \"\(node.name)\" has \(node.instances) instances; it needs at least 1.")
            }
        }
        for node in pipeline.nodes where seen[node.name, default: 0] > 1 {
            problems.append("Node name \"\(node.name)\" is used by \(seen[node.name]!) nodes; each node needs its own name.")
            seen[node.name] = 0
        }
        problems += boundaryProblems(in: pipeline)
        return problems
    }

    private static func boundaryProblems(in pipeline: Pipeline) -> [String] {
        var problems: [String] = []
        if let first = pipeline.nodes.first, first.kind == .source, pipeline.startQueue != nil {
            problems.append("A start queue is set, but the first node \"\(first.name)\" is a source, which pulls nothing.")
        }
        if let last = pipeline.nodes.last, last.kind == .sink, pipeline.endQueue != nil {
            problems.append("An end queue is set, but the last node \"\(last.name)\" is a sink, which places nothing.")
        }
        for (label, queue) in [("start", pipeline.startQueue), ("end", pipeline.endQueue)] {
            guard let queue else { continue }
            if queue.isEmpty || queue.contains(where: { $0.isWhitespace }) {
                problems.append("The \(label) queue name \"\(queue)\" is not valid: it must be non-empty and contain no spaces.")
            } else if pipeline.nodes.contains(where: { QueueName.fail(of: $0.type) == queue }) {
                problems.append("The \(label) queue \"\(queue)\" is also a node's fail queue; choose another name.")
            }
        }
        if let start = pipeline.startQueue, start == pipeline.endQueue {
            problems.append("The start and end queues are both \"\(start)\"; the pipeline would read its own output.")
        }
        return problems
    }

    private static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}

import Foundation

extension PipelineGraph {
    /// The graph in Graphviz DOT: nodes as boxes, queues as labelled edges;
    /// open ends and fail queues as plain-text nodes.
    public var dot: String {
        var lines = ["digraph \(quoted(name)) {", "  rankdir=LR;", "  node [shape=box];"]
        for recipe in recipes {
            lines.append("  \(quoted(recipe.type)) [label=\(quoted("\(recipe.type)\n\(recipe.kind.rawValue) ×\(recipe.instances)"))];")
        }
        for queue in queues {
            switch queue.role {
            case .link:
                for producer in queue.producers {
                    for consumer in queue.consumers {
                        lines.append("  \(quoted(producer)) -> \(quoted(consumer)) [label=\(quoted(queue.name))];")
                    }
                }
            case .start:
                lines.append("  \(quoted(queue.name)) [shape=plaintext];")
                for consumer in queue.consumers { lines.append("  \(quoted(queue.name)) -> \(quoted(consumer));") }
            case .end, .fail:
                lines.append("  \(quoted(queue.name)) [shape=plaintext\(queue.role == .fail ? ", fontcolor=red" : "")];")
                for producer in queue.producers {
                    lines.append("  \(quoted(producer)) -> \(quoted(queue.name))\(queue.role == .fail ? " [style=dashed]" : "");")
                }
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The graph as a Mermaid flowchart.
    public var mermaid: String {
        var ids: [String: String] = [:]
        func id(_ name: String) -> String {
            if let known = ids[name] { return known }
            let fresh = "n\(ids.count)"
            ids[name] = fresh
            return fresh
        }
        var lines = ["flowchart LR"]
        for recipe in recipes {
            lines.append("  \(id(recipe.type))[\"\(recipe.type) (\(recipe.kind.rawValue) ×\(recipe.instances))\"]")
        }
        for queue in queues {
            switch queue.role {
            case .link:
                for producer in queue.producers {
                    for consumer in queue.consumers {
                        lines.append("  \(id(producer)) -->|\(queue.name)| \(id(consumer))")
                    }
                }
            case .start:
                lines.append("  \(id(queue.name))([\"\(queue.name)\"])")
                for consumer in queue.consumers { lines.append("  \(id(queue.name)) --> \(id(consumer))") }
            case .end, .fail:
                lines.append("  \(id(queue.name))([\"\(queue.name)\"])")
                for producer in queue.producers {
                    lines.append("  \(id(producer)) \(queue.role == .fail ? "-.->" : "-->") \(id(queue.name))")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The graph as pretty-printed JSON with sorted keys.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    private func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}

import Foundation
import MonomythMMOP

/// The Prometheus text exposition (format 0.0.4) of a cluster's counts.
enum PrometheusText {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func render(recipes: [RecipeInfo], workers: [WorkerInfo], metrics: [NodeMetrics]) -> String {
        var lines: [String] = []
        func family<Row>(
            _ name: String, _ kind: String, _ help: String, _ rows: [Row], _ sample: (Row) -> (labels: String, value: String)
        ) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(kind)")
            for row in rows {
                let (labels, value) = sample(row)
                lines.append("\(name){\(labels)} \(value)")
            }
        }
        func type(_ value: String) -> String { "type=\"\(escaped(value))\"" }

        family("monomyth_nodes_running", "gauge", "Nodes running, by node type.", recipes) {
            (type($0.type), "\($0.counts.running)")
        }
        family("monomyth_nodes_queued", "gauge", "Nodes sent to a worker and not yet started, by node type.", recipes) {
            (type($0.type), "\($0.counts.queued)")
        }
        family("monomyth_nodes_completed", "gauge", "Nodes that finished their bounded task in the current job, by node type.", recipes) {
            (type($0.type), "\($0.counts.completed)")
        }
        family("monomyth_nodes_failed", "gauge", "Nodes that could not start or stopped on an error in the current job, by node type.", recipes) {
            (type($0.type), "\($0.counts.failed)")
        }
        lines.append("# HELP monomyth_workers Workers connected to the master.")
        lines.append("# TYPE monomyth_workers gauge")
        lines.append("monomyth_workers \(workers.count)")
        let placed = workers.flatMap { worker in worker.nodes.map { (worker.workerID, $0) } }
        family("monomyth_worker_nodes", "gauge", "Nodes placed on a worker (running or starting), by node type.", placed) {
            ("worker=\"\(escaped($0.0))\",\(type($0.1.recipeName))", "\($0.1.nodeCount)")
        }
        family("monomyth_messages_processed_total", "counter", "Messages produced or processed, by node type.", metrics) {
            (type($0.type), "\($0.processed)")
        }
        family("monomyth_messages_failed_total", "counter", "Messages sent to the fail queue, by node type.", metrics) {
            (type($0.type), "\($0.failed)")
        }
        family("monomyth_messages_dropped_total", "counter", "Empty messages dropped, by node type.", metrics) {
            (type($0.type), "\($0.dropped)")
        }
        family("monomyth_batches_total", "counter", "Batches handled, by node type.", metrics) {
            (type($0.type), "\($0.batches)")
        }
        family("monomyth_batch_seconds_total", "counter", "Time spent on batches, by node type.", metrics) {
            (type($0.type), "\($0.batchSeconds)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A label value: backslash, double quote and line feed escaped.
    static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

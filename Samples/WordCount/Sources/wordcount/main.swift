import Foundation
import Monomyth
import MonomythCommandLine
import WordCountPipeline

MonomythCommand(
    abstract: """
        Counts the words of FILE with the WordCount pipeline and stores them in the SQLite database PATH,
        table word_counts; any counts already in PATH are replaced. On RabbitMQ, a job first deletes the
        pipeline's own queues (LOAD-FILE-to-MAP-TEXT, MAP-TEXT-to-STORE-COUNTS and the three *-fail queues)
        so that it starts from empty ones.
        """,
    options: [
        CommandOption("input", value: "FILE", default: bundledText.path, help: "the text to count"),
        CommandOption("db", value: "PATH", default: "word-counts.sqlite", help: "the SQLite database the counts go to"),
        CommandOption("map-instances", value: "N", default: "2", help: "how many map-text nodes to run"),
    ],
    pipeline: { options in
        wordCountPipeline(
            input: try options.required("input"), database: try options.required("db"),
            mapInstances: try options.integer("map-instances"))
    },
    hooks: JobHooks(
        prepare: { job in
            // Check the input before emptying the database, so a typo keeps old counts.
            _ = try LineChunks(path: try job.options.required("input"))
            try CountsStore.reset(path: try job.options.required("db"))
            if let rabbit = job.stream as? RabbitMQDataStream { try rabbit.delete(queues: job.graph.queues.map(\.name)) }
        },
        finish: { job, report in
            let options = job.options
            let database = try options.required("db")
            let summary = try CountsStore.summary(path: database)
            let broker = (job.stream as? RabbitMQDataStream).map { " through RabbitMQ at \($0.url)" } ?? ""
            let input = try options.required("input")
            print("Counted \(input == bundledText.path ? "the bundled text of Moby-Dick" : input)\(broker)")
            print("total words:    \(summary.totalWords)")
            print("distinct words: \(summary.distinctWords)")
            print("top \(summary.top.count):")
            for (rank, entry) in summary.top.enumerated() {
                print("  \(String(rank + 1).padding(toLength: 3, withPad: " ", startingAt: 0)) \(entry.word.padding(toLength: 12, withPad: " ", startingAt: 0)) \(entry.count)")
            }
            if let report {
                let failed = report.failed.values.reduce(0, +)
                print("messages failed: \(failed)")
                print("counts stored in \(database), table word_counts")
                if failed > 0 { throw WordCountFailure(failed: failed) }
            } else {
                print("counts stored in \(database), table word_counts")
            }
        })
).main()

/// Some messages could not be counted.
struct WordCountFailure: Error, CustomStringConvertible {
    let failed: Int
    var description: String { "\(failed) messages failed; see the fail queues" }
}

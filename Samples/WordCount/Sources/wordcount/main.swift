import Foundation
import Monomyth
import WordCountPipeline

let usage = """
    Usage: wordcount [--input FILE] [--db PATH] [--map-instances N] [--amqp URL]

    Counts the words of FILE (default: the bundled text of Moby-Dick) with the
    WordCount pipeline, embedded in this process, and stores them in the SQLite
    database PATH (default: word-counts.sqlite), table word_counts. Any counts
    already in PATH are replaced.

    Data moves through an in-memory stream, or through the RabbitMQ broker at
    URL (amqp://user:password@host:port/vhost) given by --amqp or by the
    environment variable MONOMYTH_AMQP_URL. On RabbitMQ a run first deletes
    the pipeline's own queues (LOAD-FILE-to-MAP-TEXT, MAP-TEXT-to-STORE-COUNTS
    and the three *-fail queues) so that it starts from empty ones.
    """

struct Options {
    var input = bundledText.path
    var database = "word-counts.sqlite"
    var mapInstances = 2
    var amqp: AMQPURL?
}

func amqpURL(_ text: String, from origin: String) -> AMQPURL {
    do {
        return try AMQPURL(parsing: text)
    } catch {
        fail("\(origin): \(error)", code: 2)
    }
}

func parse(_ arguments: [String]) -> Options? {
    var options = Options()
    var rest = arguments[...]
    while let flag = rest.popFirst() {
        if flag == "--help" || flag == "-h" {
            print(usage)
            exit(0)
        }
        guard ["--input", "--db", "--map-instances", "--amqp"].contains(flag) else {
            fail("unknown option \(flag)\n\n\(usage)", code: 2)
        }
        guard let value = rest.popFirst() else {
            fail("\(flag) needs a value", code: 2)
        }
        switch flag {
        case "--input": options.input = value
        case "--db": options.database = value
        case "--amqp": options.amqp = amqpURL(value, from: "--amqp")
        case "--map-instances":
            guard let count = Int(value), count >= 1 else { fail("--map-instances needs a whole number ≥ 1, got '\(value)'", code: 2) }
            options.mapInstances = count
        default: break
        }
    }
    if options.amqp == nil, let text = ProcessInfo.processInfo.environment["MONOMYTH_AMQP_URL"], !text.isEmpty {
        options.amqp = amqpURL(text, from: "MONOMYTH_AMQP_URL")
    }
    return options
}

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("wordcount: \(message)\n".utf8))
    exit(code)
}

guard let options = parse(Array(CommandLine.arguments.dropFirst())) else { exit(2) }
do {
    // Check the input before emptying the database, so a typo keeps old counts.
    _ = try LineChunks(path: options.input)
    try CountsStore.reset(path: options.database)
    let pipeline = wordCountPipeline(input: options.input, database: options.database, mapInstances: options.mapInstances)
    var stream: any DataStream = InMemoryDataStream()
    if let amqp = options.amqp {
        let rabbit = RabbitMQDataStream(url: amqp)
        try rabbit.delete(queues: try pipeline.graph().queues.map(\.name))
        stream = rabbit
    }
    let run = try LocalRun(pipeline, stream: stream)
    try run.start()
    let report = try run.wait()
    let summary = try CountsStore.summary(path: options.database)
    let input = options.input == bundledText.path ? "the bundled text of Moby-Dick" : options.input
    print("Counted \(input)\(options.amqp.map { " through RabbitMQ at \($0)" } ?? "")")
    print("total words:    \(summary.totalWords)")
    print("distinct words: \(summary.distinctWords)")
    print("top \(summary.top.count):")
    for (rank, entry) in summary.top.enumerated() {
        print("  \(String(rank + 1).padding(toLength: 3, withPad: " ", startingAt: 0)) \(entry.word.padding(toLength: 12, withPad: " ", startingAt: 0)) \(entry.count)")
    }
    let failed = report.failed.values.reduce(0, +)
    print("messages failed: \(failed)")
    print("counts stored in \(options.database), table word_counts")
    if failed > 0 { fail("\(failed) messages failed; see the fail queues", code: 1) }
} catch {
    fail("\(error)", code: 1)
}

import Foundation
import MonomythBenchmarks
import WordCountPipeline

let arguments = CommandLine.arguments.dropFirst()
if arguments.contains("--help") || arguments.contains(where: { $0 != "--quick" }) {
    print("""
        usage: monomyth-bench [--quick]

        Runs each figure and its baseline alternately and prints the medians
        as a Markdown table. The broker is MONOMYTH_BENCH_AMQP_URL (default
        amqp://guest:guest@127.0.0.1:5672/bench); its queues bench-in,
        bench-out and PASS-fail are emptied.
        """)
    exit(arguments.contains("--help") ? 0 : 2)
}
let url = ProcessInfo.processInfo.environment["MONOMYTH_BENCH_AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/bench"
let options: BenchmarkOptions =
    arguments.contains("--quick") ? .quick(amqpURL: url, text: bundledText.path) : .full(amqpURL: url, text: bundledText.path)
do {
    let rows = try runBenchmarks(options) { figure in
        FileHandle.standardError.write(Data("measuring \(figure)…\n".utf8))
    }
    print("\(options.rounds) rounds; medians.\n")
    print(renderTable(rows))
} catch {
    FileHandle.standardError.write(Data("monomyth-bench: \(error)\n".utf8))
    exit(1)
}

import Foundation
import Monomyth

/// A pipeline's executable: hand it the pipeline and get the subcommands
/// `local` (the default), `master`, `worker`, `run`, `graph` and `plan`.
///
/// The program declares its own options; every process (master, workers,
/// `run`) parses them and builds the pipeline from them, so all build the
/// same graph.
///
/// ```swift
/// MonomythCommand(
///     abstract: "Counts the words of a text file.",
///     options: [CommandOption("input", value: "FILE", help: "the text to count")],
///     pipeline: { options in wordCountPipeline(input: options.value("input")!) }
/// ).main()
/// ```
///
/// Exit status: 0 when done, 1 when the job or the process failed, 2 for a
/// command line that cannot be understood. Results go to standard output,
/// logs to standard error.
public struct MonomythCommand {
    public let name: String
    public let abstract: String
    public let options: [CommandOption]
    public let pipeline: (ParsedOptions) throws -> Pipeline
    public let hooks: JobHooks

    /// - Parameters:
    ///   - name: the executable's name, for help and error messages.
    ///   - abstract: what the program does, in a sentence or two.
    ///   - options: the program's own options, accepted by every subcommand.
    ///   - pipeline: builds the pipeline from the parsed options; may throw
    ///     ``UsageError`` for a value that does not fit.
    ///   - hooks: what `local` and `run` do before and after the job.
    public init(
        name: String = CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "pipeline",
        abstract: String, options: [CommandOption] = [], pipeline: @escaping (ParsedOptions) throws -> Pipeline,
        hooks: JobHooks = JobHooks()
    ) {
        self.name = name
        self.abstract = abstract
        self.options = options
        self.pipeline = pipeline
        self.hooks = hooks
    }

    /// Runs the command line of this process and exits with its status.
    public func main() -> Never {
        exit(run(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment))
    }

    /// Runs one command line; returns the exit status.
    public func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        var arguments = arguments
        let subcommand: Subcommand
        if let first = arguments.first, !first.hasPrefix("-") {
            guard let named = Subcommand(rawValue: first) else {
                return fail(UsageError.unknownSubcommand(first, known: Subcommand.allCases.map(\.rawValue)))
            }
            subcommand = named
            arguments.removeFirst()
        } else {
            if arguments.contains(where: { $0 == "--help" || $0 == "-h" }) {
                print(overview)
                return 0
            }
            subcommand = .local
        }
        if arguments.contains(where: { $0 == "--help" || $0 == "-h" }) {
            print(help(for: subcommand))
            return 0
        }
        do {
            let parsed = try ParsedOptions(
                parsing: arguments, options: subcommand.options + options, environment: environment)
            try subcommand.run(self, parsed)
            return 0
        } catch {
            return fail(error, help: "\(name) \(subcommand.rawValue) --help")
        }
    }

    private func fail(_ error: any Error, help: String? = nil) -> Int32 {
        let usage = error is UsageError
        let hint = usage ? "\nSee '\(help ?? "\(name) --help")'." : ""
        FileHandle.standardError.write(Data("\(name): \(error)\(hint)\n".utf8))
        return usage ? 2 : 1
    }

    /// The help of `name --help`: the subcommands, then `local`'s options.
    var overview: String {
        let list = Subcommand.allCases.map { "  \($0.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))\($0.abstract)" }
        return """
            Usage: \(name) [SUBCOMMAND] [OPTIONS]

            \(abstract)

            Subcommands:
            \(list.joined(separator: "\n"))

            Without a subcommand, \(name) runs 'local'. '\(name) SUBCOMMAND --help' describes each.

            \(optionsHelp(for: .local))
            """
    }

    /// The help of `name SUBCOMMAND --help`.
    func help(for subcommand: Subcommand) -> String {
        """
        Usage: \(name) \(subcommand.rawValue) [OPTIONS]

        \(subcommand.abstract)
        \(subcommand.details.isEmpty ? "" : "\n" + subcommand.details + "\n")
        \(optionsHelp(for: subcommand))
        """
    }

    private func optionsHelp(for subcommand: Subcommand) -> String {
        var sections: [String] = []
        if !subcommand.options.isEmpty {
            sections.append("Options:\n" + subcommand.options.map(\.helpLine).joined(separator: "\n"))
        }
        if !options.isEmpty {
            sections.append("Pipeline options:\n" + options.map(\.helpLine).joined(separator: "\n"))
        }
        sections.append(CommandOption.helpFlagLine)
        return sections.joined(separator: "\n\n")
    }
}

/// What `local` and `run` do around a bounded job, beyond deploying it.
public struct JobHooks {
    /// Runs before the job is deployed. WordCount empties its database and
    /// its queues here.
    public var prepare: (JobContext) throws -> Void
    /// Runs once the job has completed; prints the results. `local` passes its
    /// run's report; `run` passes `nil` (the counts stay with the workers).
    public var finish: (JobContext, RunReport?) throws -> Void

    public init(
        prepare: @escaping (JobContext) throws -> Void = { _ in },
        finish: @escaping (JobContext, RunReport?) throws -> Void = { _, _ in }
    ) {
        self.prepare = prepare
        self.finish = finish
    }
}

/// What a job's hooks know of it.
public struct JobContext {
    public let options: ParsedOptions
    public let graph: PipelineGraph
    /// The stream the data moves through: `local`'s, or for `run` the
    /// RabbitMQ stream given by `--amqp` (`nil` without it).
    public let stream: (any DataStream)?
}

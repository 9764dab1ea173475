/// One `--name` option a command accepts: a flag, or an option with a value
/// that may fall back on an environment variable and then on a default.
public struct CommandOption: Sendable, Equatable {
    /// The name without dashes: `db` for `--db`.
    public let name: String
    /// What the value is, for help (`PATH`); `nil` for a flag.
    public let valueName: String?
    public let help: String
    public let defaultValue: String?
    /// The environment variable read when the option is not given.
    public let environment: String?
    /// Whether the option may be given more than once, each value kept.
    public let repeatable: Bool

    /// An option with a value: `--name VALUE` or `--name=VALUE`.
    public init(
        _ name: String, value: String, default defaultValue: String? = nil, environment: String? = nil,
        repeatable: Bool = false, help: String
    ) {
        self.name = name
        self.valueName = value
        self.help = help
        self.defaultValue = defaultValue
        self.environment = environment
        self.repeatable = repeatable
    }

    /// A flag: `--name`, no value.
    public static func flag(_ name: String, help: String) -> CommandOption {
        CommandOption(name: name, help: help)
    }

    private init(name: String, help: String) {
        self.name = name
        self.valueName = nil
        self.help = help
        self.defaultValue = nil
        self.environment = nil
        self.repeatable = false
    }

    /// The `--help` line of a help text, aligned with ``helpLine``.
    public static let helpFlagLine = "  -h, --help".padding(toLength: 24, withPad: " ", startingAt: 0) + "show this help"

    /// The option's line in a help text.
    public var helpLine: String {
        let left = "  --\(name)" + (valueName.map { " \($0)" } ?? "")
        var notes: [String] = []
        if let defaultValue { notes.append("default: \(defaultValue)") }
        if let environment { notes.append("or $\(environment)") }
        if repeatable { notes.append("repeatable") }
        let text = help + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))")
        return left.count < 24 ? left.padding(toLength: 24, withPad: " ", startingAt: 0) + text : left + "\n" + String(repeating: " ", count: 24) + text
    }
}

/// A command line that cannot be understood: exit status 2.
public enum UsageError: Error, Equatable, CustomStringConvertible {
    case unknownOption(String)
    case missingValue(option: String)
    case flagWithValue(option: String)
    case unexpectedArgument(String)
    case unknownSubcommand(String, known: [String])
    /// A value that does not fit; `source` is `--name` or the environment
    /// variable, `reason` quotes the value.
    case invalidValue(source: String, reason: String)
    /// A required value was given neither as an option nor in the environment.
    case missing(option: String, environment: String?)

    public var description: String {
        switch self {
        case .unknownOption(let option): "unknown option \(option)"
        case .missingValue(let option): "\(option) needs a value"
        case .flagWithValue(let option): "\(option) takes no value"
        case .unexpectedArgument(let argument): "unexpected argument '\(argument)'"
        case .unknownSubcommand(let name, let known):
            "unknown subcommand '\(name)'; the subcommands are \(known.joined(separator: ", "))"
        case .invalidValue(let source, let reason): "\(source): \(reason)"
        case .missing(let option, let environment):
            "--\(option) is required" + (environment.map { " (or set \($0))" } ?? "")
        }
    }
}

/// The options of one command line, after parsing.
public struct ParsedOptions: Sendable {
    private let options: [String: CommandOption]
    private let given: [String: [String]]
    private let environment: [String: String]

    /// Parses `arguments` (options only, no positional arguments) against
    /// `options`; unknown or malformed options throw.
    public init(
        parsing arguments: [String], options: [CommandOption], environment: [String: String] = [:]
    ) throws(UsageError) {
        self.options = Dictionary(options.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.environment = environment
        var given: [String: [String]] = [:]
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            guard argument.hasPrefix("--") else { throw .unexpectedArgument(argument) }
            let parts = argument.dropFirst(2).split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let flag = "--\(parts[0])"
            guard let option = self.options[String(parts[0])] else { throw .unknownOption(flag) }
            if option.valueName == nil {
                guard parts.count == 1 else { throw .flagWithValue(option: flag) }
                given[option.name] = [""]
                continue
            }
            guard let value = parts.count == 2 ? String(parts[1]) : rest.popFirst() else { throw .missingValue(option: flag) }
            given[option.name] = option.repeatable ? given[option.name, default: []] + [value] : [value]
        }
        self.given = given
    }

    /// Whether the flag `name` was given.
    public func isSet(_ name: String) -> Bool { given[name] != nil }

    /// The value of `name`: given, else from its environment variable (if
    /// set and not empty), else its default.
    public func value(_ name: String) -> String? {
        if let values = given[name] { return values.last }
        if let variable = options[name]?.environment, let value = environment[variable], !value.isEmpty { return value }
        return options[name]?.defaultValue
    }

    /// Every value given for a repeatable option, in order.
    public func values(_ name: String) -> [String] { given[name] ?? [] }

    /// Where ``value(_:)`` came from, for error messages: `--name`, or the
    /// environment variable's name.
    public func source(of name: String) -> String {
        if given[name] == nil, let variable = options[name]?.environment, environment[variable]?.isEmpty == false {
            return variable
        }
        return "--\(name)"
    }

    /// The value of `name`; throws if there is none.
    public func required(_ name: String) throws(UsageError) -> String {
        guard let value = value(name) else { throw .missing(option: name, environment: options[name]?.environment) }
        return value
    }

    /// The value of `name` as a whole number ≥ `minimum`; throws if there
    /// is none or it is not such a number.
    public func integer(_ name: String, atLeast minimum: Int = 1) throws(UsageError) -> Int {
        let text = try required(name)
        guard let number = Int(text), number >= minimum else {
            throw .invalidValue(source: source(of: name), reason: "'\(text)' is not a whole number ≥ \(minimum)")
        }
        return number
    }
}

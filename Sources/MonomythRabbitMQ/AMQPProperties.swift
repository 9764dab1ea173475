import CRabbitMQ
import MonomythRuntime

/// How a ``Message`` maps onto an AMQP message: the body as-is, the id as
/// `message_id`, the headers as a table of long strings, delivery mode 2
/// (persistent).
enum AMQPProperties {
    /// Calls `body` with the basic properties of `message`, valid during the call.
    static func withProperties<T>(of message: Message, _ body: (UnsafePointer<amqp_basic_properties_t>) -> T) -> T {
        let arena = ByteArena()
        let headers = message.headers.sorted { $0.key < $1.key }
        let entries = UnsafeMutablePointer<amqp_table_entry_t>.allocate(capacity: max(headers.count, 1))
        defer { entries.deallocate() }
        for (index, header) in headers.enumerated() {
            var value = amqp_field_value_t()
            value.kind = UInt8(AMQP_FIELD_KIND_UTF8.rawValue)
            value.value.bytes = arena.copy(header.value)
            (entries + index).initialize(to: amqp_table_entry_t(key: arena.copy(header.key), value: value))
        }
        var properties = amqp_basic_properties_t()
        properties._flags = amqp_flags_t(AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG)
        properties.delivery_mode = 2
        properties.message_id = arena.copy(message.id)
        if !headers.isEmpty {
            properties._flags |= amqp_flags_t(AMQP_BASIC_HEADERS_FLAG)
            properties.headers = amqp_table_t(num_entries: Int32(headers.count), entries: entries)
        }
        return withExtendedLifetime(arena) { body(&properties) }
    }

    /// The ``Message`` an AMQP message carries. A message without a
    /// `message_id` (from a producer outside Monomyth) gets one derived from
    /// its body, so that it stays the same on redelivery. Header values that
    /// are not strings are given as text; nested tables and arrays are left out.
    static func message(from amqp: amqp_message_t) -> Message {
        let body = amqp.body.bytes.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: amqp.body.len)) } ?? []
        let properties = amqp.properties
        let flags = properties._flags
        let id =
            flags & amqp_flags_t(AMQP_BASIC_MESSAGE_ID_FLAG) != 0
            ? String(amqpBytes: properties.message_id) : "body:\(fingerprint(of: body))"
        var headers: [String: String] = [:]
        if flags & amqp_flags_t(AMQP_BASIC_HEADERS_FLAG) != 0, let entries = properties.headers.entries {
            for entry in UnsafeBufferPointer(start: entries, count: Int(properties.headers.num_entries)) {
                if let text = text(of: entry.value) { headers[String(amqpBytes: entry.key)] = text }
            }
        }
        return Message(id: id, body: body, headers: headers)
    }

    private static func text(of field: amqp_field_value_t) -> String? {
        switch UInt32(field.kind) {
        case AMQP_FIELD_KIND_UTF8.rawValue, AMQP_FIELD_KIND_BYTES.rawValue: String(amqpBytes: field.value.bytes)
        case AMQP_FIELD_KIND_BOOLEAN.rawValue: field.value.boolean != 0 ? "true" : "false"
        case AMQP_FIELD_KIND_I8.rawValue: String(field.value.i8)
        case AMQP_FIELD_KIND_U8.rawValue: String(field.value.u8)
        case AMQP_FIELD_KIND_I16.rawValue: String(field.value.i16)
        case AMQP_FIELD_KIND_U16.rawValue: String(field.value.u16)
        case AMQP_FIELD_KIND_I32.rawValue: String(field.value.i32)
        case AMQP_FIELD_KIND_U32.rawValue: String(field.value.u32)
        case AMQP_FIELD_KIND_I64.rawValue: String(field.value.i64)
        case AMQP_FIELD_KIND_U64.rawValue, AMQP_FIELD_KIND_TIMESTAMP.rawValue: String(field.value.u64)
        case AMQP_FIELD_KIND_F32.rawValue: String(field.value.f32)
        case AMQP_FIELD_KIND_F64.rawValue: String(field.value.f64)
        default: nil
        }
    }

    /// 64-bit FNV-1a of `body`, in hex.
    private static func fingerprint(of body: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in body {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}

/// Copies of strings in C memory, freed together when the arena is released.
private final class ByteArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    func copy(_ text: String) -> amqp_bytes_t {
        let utf8 = Array(text.utf8)
        let block = UnsafeMutableRawPointer.allocate(byteCount: max(utf8.count, 1), alignment: 1)
        if !utf8.isEmpty { utf8.withUnsafeBytes { block.copyMemory(from: $0.baseAddress!, byteCount: utf8.count) } }
        blocks.append(block)
        return amqp_bytes_t(len: utf8.count, bytes: block)
    }

    deinit { for block in blocks { block.deallocate() } }
}

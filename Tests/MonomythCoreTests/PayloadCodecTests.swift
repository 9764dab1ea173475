import Foundation
import MonomythCore
import Testing

@Suite struct PayloadCodecTests {
    struct Point: Codable, Equatable {
        var x: Int
        var y: Int
    }

    let codec = PayloadCodec()

    @Test func stringsTravelAsTheirUTF8Bytes() throws {
        #expect(try codec.encode("héllo") == Array("héllo".utf8))
        #expect(try codec.decode(String.self, from: Array("héllo".utf8)) == "héllo")
    }

    @Test func bytesTravelAsIs() throws {
        let bytes: [UInt8] = [0, 255, 7]
        #expect(try codec.encode(bytes) == bytes)
        #expect(try codec.decode([UInt8].self, from: bytes) == bytes)
        #expect(try codec.decode(Data.self, from: bytes) == Data(bytes))
    }

    @Test func otherCodableTypesTravelAsJSON() throws {
        let body = try codec.encode(Point(x: 1, y: 2))
        let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Int]
        #expect(object == ["x": 1, "y": 2])
        #expect(try codec.decode(Point.self, from: body) == Point(x: 1, y: 2))
    }

    @Test func invalidUTF8IsATypedError() {
        #expect(throws: PayloadError.invalidUTF8(byteCount: 2)) {
            try codec.decode(String.self, from: [0xC3, 0x28])
        }
    }

    @Test func bodiesThatAreNotJSONForTheTypeSayWhy() {
        #expect(throws: PayloadError.invalidJSON(type: "Point", detail: "missing key 'y'")) {
            try codec.decode(Point.self, from: Array(#"{"x": 1}"#.utf8))
        }
        #expect(throws: PayloadError.self) {
            try codec.decode(Int.self, from: Array("twelve".utf8))
        }
    }

    @Test func idsAreDeterministicAndDerived() {
        let source = MessageID.source(type: "LOAD-FILE", key: "11")
        #expect(source == "LOAD-FILE:11")
        #expect(MessageID.derived(from: source, by: "MAP-TEXT") == "LOAD-FILE:11/MAP-TEXT")
    }
}

import NIOCore

@testable import FastCGI

/// Raw bytes of one record, built by hand so the fixtures don't depend on the encoder under test.
func makeRecord(
    type: UInt8,
    id: UInt16,
    content: [UInt8] = [],
    padding: UInt8 = 0,
    version: UInt8 = 1
) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeBytes([
        version, type, UInt8(id >> 8), UInt8(id & 0xFF),
        UInt8(content.count >> 8), UInt8(content.count & 0xFF), padding, 0,
    ])
    buffer.writeBytes(content)
    buffer.writeRepeatingByte(0xEE, count: Int(padding))
    return buffer
}

func makeRecord(type: FastCGIRecordType, id: UInt16, content: [UInt8] = [], padding: UInt8 = 0) -> ByteBuffer {
    makeRecord(type: type.rawValue, id: id, content: content, padding: padding)
}

/// A BEGIN_REQUEST body: role, flags, five reserved bytes.
func beginRequestContent(role: UInt16 = 1, keepConnection: Bool) -> [UInt8] {
    [UInt8(role >> 8), UInt8(role & 0xFF), keepConnection ? 1 : 0, 0, 0, 0, 0, 0]
}

/// A name-value pair stream, with 1-byte lengths below 128 and 4-byte ones above, built by hand.
func nameValueBytes(_ pairs: [(String, String)]) -> [UInt8] {
    var bytes: [UInt8] = []
    func length(_ count: Int) {
        if count < 128 {
            bytes.append(UInt8(count))
        } else {
            bytes += [UInt8(count >> 24) | 0x80, UInt8((count >> 16) & 0xFF), UInt8((count >> 8) & 0xFF), UInt8(count & 0xFF)]
        }
    }
    for (name, value) in pairs {
        length(name.utf8.count)
        length(value.utf8.count)
        bytes += Array(name.utf8) + Array(value.utf8)
    }
    return bytes
}

func byteBuffer(_ string: String) -> ByteBuffer {
    ByteBuffer(string: string)
}

/// Decodes every record in `buffer`; fails the caller if bytes are left over.
func decodeRecords(_ buffer: ByteBuffer) throws -> [FastCGIRecord] {
    var buffer = buffer
    var records: [FastCGIRecord] = []
    while let record = try buffer.readFastCGIRecord() {
        records.append(record)
    }
    guard buffer.readableBytes == 0 else {
        throw LeftoverBytes(count: buffer.readableBytes)
    }
    return records
}

struct LeftoverBytes: Error {
    var count: Int
}

func endRequestRecord(id: UInt16, appStatus: UInt32, status: FastCGIProtocolStatus) -> FastCGIRecord {
    var content = ByteBuffer()
    content.writeFastCGIEndRequestBody(FastCGIEndRequestBody(appStatus: appStatus, protocolStatus: status))
    return FastCGIRecord(type: .endRequest, requestID: id, content: content)
}

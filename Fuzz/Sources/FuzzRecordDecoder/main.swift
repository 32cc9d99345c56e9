import FastCGI
import FuzzSupport
import NIOCore
import NIOEmbedded

/// Fuzzes the record decoder (FastCGI 1.0 §3.3): `ByteBuffer.readFastCGIRecord()`, and
/// `FastCGIRecordDecoder` in a bounded `ByteToMessageHandler`.
///
/// Input: one control byte, where the stream splits into reads (``ReadSplitter``), then
/// the bytes a peer sends.
///
/// Checked, besides not crashing:
/// - Read all at once, each record takes exactly its header, content and padding bytes;
///   its type, ID and content are those bytes; it re-encodes to the same first six header
///   bytes and content, padded to 8, and that decodes back to the same record.
/// - nil (not yet) leaves the reader index alone and comes only when the next record
///   really is incomplete; the version error leaves it alone too and names the byte.
/// - The NIO decoder, fed the same bytes in reads split anywhere, yields the same records
///   and the same error, and drops a record cut off by the close without complaint.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecordDecoder(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let splitter = ReadSplitter(seed: input.takeControlByte())
    let wire = input.payload
    let atOnce = decodeAtOnce(wire)
    let inReads = decodeInReads(splitter.split(wire))
    fuzzCheck(inReads.records == atOnce.records, "decoder in reads: \(inReads.records), at once: \(atOnce.records)")
    fuzzCheck(inReads.error == atOnce.error, "decoder in reads: \(String(describing: inReads.error)), at once: \(String(describing: atOnce.error))")
    return 0
}

struct Decoded {
    var records: [FastCGIRecord] = []
    var error: FastCGIProtocolError?
}

func decodeAtOnce(_ wire: ByteBuffer) -> Decoded {
    var buffer = wire
    var decoded = Decoded()
    var start = buffer.readerIndex
    do throws(FastCGIProtocolError) {
        while let record = try buffer.readFastCGIRecord() {
            checkRecord(record, in: wire, from: start, to: buffer.readerIndex)
            decoded.records.append(record)
            start = buffer.readerIndex
        }
        fuzzCheck(buffer.readerIndex == start, "nil moved the reader index from \(start) to \(buffer.readerIndex)")
        checkIncomplete(buffer)
    } catch {
        fuzzCheck(buffer.readerIndex == start, "\(error) moved the reader index from \(start) to \(buffer.readerIndex)")
        let version = buffer.getInteger(at: start, as: UInt8.self)
        fuzzCheck(version != 1 && error == .unsupportedVersion(version ?? 0), "\(error) for version byte \(String(describing: version))")
        decoded.error = error
    }
    return decoded
}

/// A record read from `wire[from..<to]`, against the bytes themselves and its re-encoding.
func checkRecord(_ record: FastCGIRecord, in wire: ByteBuffer, from: Int, to: Int) {
    let header = wire.getBytes(at: from, length: FastCGIRecordHeader.size)!
    let contentLength = Int(header[4]) << 8 | Int(header[5])
    fuzzCheck(to - from == FastCGIRecordHeader.size + contentLength + Int(header[6]), "record took \(to - from) bytes for header \(header)")
    fuzzCheck(record.type.rawValue == header[1] && record.requestID == UInt16(header[2]) << 8 | UInt16(header[3]), "\(record) from header \(header)")
    fuzzCheck(record.content == wire.getSlice(at: from + FastCGIRecordHeader.size, length: contentLength), "content of \(record)")

    var encoded = ByteBuffer()
    let written = encoded.writeFastCGIRecord(record)
    fuzzCheck(written == encoded.readableBytes && written == record.encodedSize && written % 8 == 0, "re-encoded \(record) in \(written) bytes")
    let encodedHeader = encoded.getBytes(at: 0, length: FastCGIRecordHeader.size)!
    fuzzCheck(encodedHeader[0..<6] == header[0..<6], "re-encoded header \(encodedHeader), read \(header)")
    fuzzCheck(encodedHeader[6] == FastCGIRecordHeader.padding(forContentLength: contentLength) && encodedHeader[7] == 0, "re-encoded padding \(encodedHeader)")
    fuzzCheck(encoded.getSlice(at: FastCGIRecordHeader.size, length: contentLength) == record.content, "re-encoded content of \(record)")
    let again = try? encoded.readFastCGIRecord()
    fuzzCheck(again == record && encoded.readableBytes == 0, "\(record) decoded back as \(String(describing: again))")
}

/// After nil: fewer bytes than the next record's header promises.
func checkIncomplete(_ buffer: ByteBuffer) {
    var rest = buffer
    guard let header = rest.readFastCGIRecordHeader() else {
        return
    }
    fuzzCheck(header.version == FastCGIRecordHeader.version, "nil for version \(header.version)")
    fuzzCheck(rest.readableBytes < header.bodyLength, "nil with \(rest.readableBytes) bytes after \(header)")
}

/// The NIO decoder, bounded as the docs ask, fed one read at a time; then the close.
func decodeInReads(_ reads: [ByteBuffer]) -> Decoded {
    let channel = EmbeddedChannel(
        handler: ByteToMessageHandler(FastCGIRecordDecoder(), maximumBufferSize: FastCGIRecord.maximumEncodedSize)
    )
    var decoded = Decoded()
    for read in reads {
        do {
            try channel.writeInbound(read)
        } catch let error as FastCGIProtocolError {
            decoded.error = error
            break
        } catch {
            fuzzCheck(false, "decoder threw \(error)")
        }
    }
    do {
        while let record = try channel.readInbound(as: FastCGIRecord.self) {
            decoded.records.append(record)
        }
        if decoded.error == nil {
            let leftOver = try channel.finish()
            fuzzCheck(leftOver.isClean, "records left at the close: \(leftOver)")
        } else {
            _ = try? channel.finish()
        }
    } catch {
        fuzzCheck(false, "close threw \(error)")
    }
    return decoded
}

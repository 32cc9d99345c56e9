import NIOCore

extension ChannelPipeline.SynchronousOperations {
    /// Adds the FastCGI responder handlers: the record decoder (bounded to
    /// `maxRecordBufferBytes`) and a ``FastCGIServerHandler``. Add the application's
    /// handler after them; it reads ``FastCGIRequestPart`` and writes
    /// ``FastCGIResponsePart``.
    public func addFastCGIServerHandlers(
        configuration: FastCGIServerConfiguration = FastCGIServerConfiguration()
    ) throws {
        try self.addHandler(
            ByteToMessageHandler(FastCGIRecordDecoder(), maximumBufferSize: configuration.maxRecordBufferBytes)
        )
        try self.addHandler(FastCGIServerHandler(configuration: configuration))
    }
}

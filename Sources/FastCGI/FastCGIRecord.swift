// Placeholder until the protocol lands.
import NIOCore

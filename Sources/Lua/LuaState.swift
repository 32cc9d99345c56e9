// Placeholder until the Lua wrapper lands.
import CLua

// Placeholder until the engine lands.
import Lua
import FastCGI

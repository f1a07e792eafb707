// Every test worker applies the same V8 workaround as the gateway (see the module for why).
import "../../src/runtime/v8-workarounds.js";

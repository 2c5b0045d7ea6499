// The part of the WebAssembly JS API that `engine.ts` uses. Node 20 has it at runtime, but `@types/node@20` declares
// it only for newer Node versions, and the DOM lib would bring in browser globals that do not exist here.
declare namespace WebAssembly {
  type ExportValue = unknown;
  type Exports = Record<string, ExportValue>;
  type ImportValue = unknown;
  type ModuleImports = Record<string, ImportValue>;
  type Imports = Record<string, ModuleImports>;
  interface Module {
    readonly __brand: 'WebAssembly.Module';
  }
  interface Instance {
    readonly exports: Exports;
  }
  function compile(bytes: Uint8Array): Promise<Module>;
  function instantiate(module: Module, imports?: Imports): Promise<Instance>;
}

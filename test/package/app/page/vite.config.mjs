export default { build: { target: 'es2022', emptyOutDir: true }, logLevel: 'warn' };

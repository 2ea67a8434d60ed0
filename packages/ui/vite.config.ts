import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/** The API serves the built panel under /ui/ (control-plane src/api/panel.ts); routes inside it are hash routes. */
export default defineConfig({
  root: import.meta.dirname,
  base: '/ui/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
});

// Progressive enhancement only: every page works without this file. It starts the design system's components
// (header menu, error summary focus, character counts).
import { initAll } from '/assets/nhsuk-frontend.min.js';

initAll();

// Starts the NHS design system's components. Pages work without it.
import { initAll } from "/assets/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();

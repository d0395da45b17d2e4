// German labels for the few interface strings that Sphinx 7.4 and sphinx-book-theme 1.3
// hard-code in English or leave untranslated (tooltips and screen-reader labels).
(function () {
  "use strict";

  const ATTRIBUTES = ["title", "aria-label", "data-bs-title", "data-bs-original-title", "placeholder", "alt"];
  const GERMAN = {
    "Link to this heading": "Link zu dieser Überschrift",
    "Link to this equation": "Link zu dieser Gleichung",
    "Link to this image": "Link zu dieser Abbildung",
    "Link to this table": "Link zu dieser Tabelle",
    "Link to this code": "Link zu diesem Code",
    "Link to this definition": "Link zu dieser Definition",
    "Toggle primary sidebar": "Navigation ein- oder ausblenden",
    "Toggle secondary sidebar": "Inhaltsverzeichnis der Seite ein- oder ausblenden",
    "Main": "Kapitelnavigation",
    "Page": "Seite",
    "Launch interactive content": "Interaktiv ausführen",
    "Launch on Binder": "Auf Binder starten",
    "Launch on Colab": "In Colab öffnen",
    "Launch on JupyterHub": "Auf JupyterHub starten",
    "Binder logo": "Binder-Logo",
    "Colab logo": "Colab-Logo",
    "JupyterHub logo": "JupyterHub-Logo",
    "Search this book...": "Im Buch suchen …",
  };

  function translate(root) {
    for (const attribute of ATTRIBUTES) {
      for (const element of root.querySelectorAll("[" + attribute + "]")) {
        const german = GERMAN[element.getAttribute(attribute).trim()];
        if (german) {
          element.setAttribute(attribute, german);
        }
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => translate(document));
  } else {
    translate(document);
  }
})();

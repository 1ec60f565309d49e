// Search pickers (templates/_macros.html render_picker): without JavaScript they are ticked boxes and a
// search button; here each becomes a Tom Select box that searches the server as people type. The values
// are submitted under the same field name, so the server reads both the same way.
(function () {
  "use strict";
  if (!window.TomSelect) {
    return;
  }
  // Tom Select keeps the original field (hidden, out of the tab order) to submit the values; its label now
  // names Tom Select's own box, so the original is taken out of the accessibility tree.
  function hideOriginal(field) {
    field.setAttribute("aria-hidden", "true");
  }
  function chosenOptions(root) {
    return Array.prototype.map.call(root.querySelectorAll(".picker-fallback input:checked"), function (box) {
      return { value: box.value, text: box.getAttribute("data-text"), hint: box.getAttribute("data-hint") || "" };
    });
  }
  function searchUrl(root, query) {
    var url = new URL(root.getAttribute("data-search-url"), window.location.href);
    url.searchParams.set("q", query);
    var from = root.getAttribute("data-filter-from");
    var source = from && document.getElementById(from);
    if (source && source.selectedOptions) {
      Array.prototype.forEach.call(source.selectedOptions, function (option) {
        url.searchParams.append("area", option.value);
      });
    }
    return url;
  }
  function enhance(root) {
    var multiple = root.getAttribute("data-multiple") !== "false";
    var chosen = chosenOptions(root);
    var select = document.createElement("select");
    select.name = root.getAttribute("data-name");
    select.id = root.getAttribute("data-id");
    select.multiple = multiple;
    root.querySelector(".picker-fallback").replaceWith(select);
    var describedBy = root.querySelector(".hint, .field-error");
    var noResults = root.getAttribute("data-no-results");
    var picker = new window.TomSelect(select, {
      options: chosen,
      items: chosen.map(function (o) { return o.value; }),
      valueField: "value",
      labelField: "text",
      searchField: ["text", "hint"],
      maxItems: multiple ? null : 1,
      maxOptions: 30,
      placeholder: root.getAttribute("data-placeholder"),
      plugins: multiple ? ["remove_button"] : [],
      closeAfterSelect: true,
      loadThrottle: 250,
      shouldLoad: function (query) { return query.trim().length > 0; },
      load: function (query, callback) {
        window.fetch(searchUrl(root, query), { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) { callback(data.results); })
          .catch(function () { callback(); });
      },
      render: {
        option: function (data, escape) {
          return "<div><span>" + escape(data.text) + "</span>" +
            (data.hint ? " <small class=\"muted\">" + escape(data.hint) + "</small>" : "") + "</div>";
        },
        item: function (data, escape) { return "<div>" + escape(data.text) + "</div>"; },
        no_results: function (data, escape) { return "<div class=\"no-results\">" + escape(noResults) + "</div>"; }
      }
    });
    // Results depend on other pickers (promoters within the chosen areas): search again on each visit.
    picker.on("focus", function () { picker.loadedSearches = {}; picker.clearOptions(); });
    hideOriginal(select);
    if (describedBy) {
      describedBy.id = describedBy.id || select.id + "-hint";
      picker.control_input.setAttribute("aria-describedby", describedBy.id);
    }
  }
  // A text box for one area code (assignments): typing a name offers areas, choosing one fills in its code.
  function enhanceCodeInput(input) {
    var url = input.getAttribute("data-area-search");
    var typed = input.value;
    var picker = new window.TomSelect(input, {
      maxItems: 1,
      valueField: "value",
      labelField: "text",
      searchField: ["text", "hint", "value"],
      create: false,
      persist: false,
      maxOptions: 30,
      loadThrottle: 250,
      options: typed ? [{ value: typed, text: typed, hint: "" }] : [],
      items: typed ? [typed] : [],
      shouldLoad: function (query) { return query.trim().length > 0; },
      load: function (query, callback) {
        var address = new URL(url, window.location.href);
        address.searchParams.set("q", query);
        window.fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) { callback(data.results); })
          .catch(function () { callback(); });
      },
      render: {
        option: function (data, escape) {
          return "<div><span>" + escape(data.text) + "</span> <small class=\"muted\">" +
            escape(data.hint ? data.hint + " · " + data.value : data.value) + "</small></div>";
        },
        item: function (data, escape) { return "<div>" + escape(data.text) + "</div>"; }
      }
    });
    picker.wrapper.classList.add("area-picker");
    hideOriginal(input);
  }
  // A long list already in the page (OPDs, a link's promoter): search it without asking the server.
  function enhanceLocal(select) {
    var picker = new window.TomSelect(select, {
      maxOptions: 50,
      plugins: select.multiple ? ["remove_button"] : [],
      closeAfterSelect: true,
      placeholder: select.getAttribute("data-placeholder") || ""
    });
    picker.wrapper.classList.add("local-picker");
    hideOriginal(select);
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-picker]"), enhance);
  Array.prototype.forEach.call(document.querySelectorAll("select[data-local-picker]"), enhanceLocal);
  Array.prototype.forEach.call(document.querySelectorAll("input[data-area-search]"), enhanceCodeInput);
}());

/* The case record form: each item's sub-category list offers only the sub-categories of the
   category chosen in its row. The form works without this script: the list then holds every
   sub-category, grouped by category, and the server refuses one of another category. */
document.addEventListener("DOMContentLoaded", function () {
  var rows = document.querySelectorAll("table.case-items tbody tr");
  Array.prototype.forEach.call(rows, function (row) {
    var category = row.querySelector("select[name$='-category']");
    var subcategory = row.querySelector("select[name$='-subcategory']");
    if (!category || !subcategory) { return; }
    /* Every option as the server wrote it; the list is rebuilt from these. */
    var all = Array.prototype.map.call(subcategory.options, function (option) {
      return option.cloneNode(true);
    });

    function follow() {
      var chosen = category.value;
      var selected = subcategory.value;
      var offered = all.filter(function (option) {
        var owner = option.getAttribute("data-category");
        return owner === null || owner === chosen;
      });
      while (subcategory.firstChild) { subcategory.removeChild(subcategory.firstChild); }
      offered.forEach(function (option) {
        var copy = option.cloneNode(true);
        copy.selected = copy.value === selected;
        subcategory.appendChild(copy);
      });
      /* A sub-category of another category is not kept: "None" is chosen instead. */
      if (subcategory.value !== selected) { subcategory.value = ""; }
      subcategory.disabled = offered.length <= 1;
    }

    category.addEventListener("change", follow);
    follow();
  });
});

// The API documentation page: Swagger UI on the spec served by the app itself.
window.addEventListener("load", function () {
  var el = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: el.getAttribute("data-spec"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
  });
});

"""Page-number pagination with `?page_size=` capped at 500; a page or page size that is not a positive integer
answers 400 naming the parameter (DRF would silently use the default size, or answer 404)."""

from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination


class SuitePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    @staticmethod
    def _positive(request, name: str) -> int | None:
        raw = request.query_params.get(name)
        if raw is None:
            return None
        if not raw.isascii() or not raw.isdigit() or int(raw) < 1 or len(raw) > 18:
            raise exceptions.ValidationError({name: ["A positive whole number is required."]})
        return int(raw)

    def get_page_size(self, request):
        size = self._positive(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_page_number(self, request, paginator):
        if request.query_params.get(self.page_query_param) in self.last_page_strings:
            return paginator.num_pages
        return self._positive(request, self.page_query_param) or 1

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
                parameter["description"] = f"Number of results per page (default {self.page_size}, at most " \
                                           f"{self.max_page_size})."
        return parameters

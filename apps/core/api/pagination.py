"""Page-number pagination with `?page_size=` capped at 500."""

from rest_framework.pagination import PageNumberPagination


class SuitePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

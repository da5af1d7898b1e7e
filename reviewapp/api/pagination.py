"""The API's page-number pagination: 50 per page by default; `page_size` (up to 200) asks for another size,
so a client that shows five items (an arbiter's next conflicts) does not make the server build fifty."""

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200

from django.apps import AppConfig


class DataWarehouseConfig(AppConfig):
    name = "data_warehouse"
    verbose_name = "Data warehouse"

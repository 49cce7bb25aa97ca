from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "jianxi.finance"
    verbose_name = "财政"

from naive.management.symbol_command import SymbolControlCommand
from naive.services import shutdown_trading


class Command(SymbolControlCommand):
    help = "Let a symbol's traders finish their cycles, then stop (status shutdown, then off)."
    action = shutdown_trading

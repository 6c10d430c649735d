from naive.management.symbol_command import SymbolControlCommand
from naive.services import stop_trading


class Command(SymbolControlCommand):
    help = "Stop trading a symbol at once; open orders stay on the exchange."
    action = stop_trading

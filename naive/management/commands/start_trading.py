from naive.management.symbol_command import SymbolControlCommand
from naive.services import start_trading


class Command(SymbolControlCommand):
    help = "Start trading a symbol with its trading settings (status on)."
    action = start_trading

from data_warehouse.services import start_storing
from data_warehouse.storing_command import TopicControlCommand


class Command(TopicControlCommand):
    help = "Start storing a topic, for example: start_storing ORDERS XRPUSDT."
    action = start_storing
